package org.postern.core;

import java.util.List;
import java.util.Objects;

/**
 * A definite DNS answer: NOERROR with records, NOERROR without (NODATA) or NXDOMAIN. Answers that are
 * not answers (SERVFAIL, REFUSED, timeouts) are {@link DnsResolver.DnsTemporaryException}s, never a
 * {@code DnsAnswer}, so an empty answer can safely mean "does not exist".
 *
 * @param name          the name asked, lower case, A-labels, no trailing dot
 * @param rcode         {@link Rcode#NOERROR} or {@link Rcode#NXDOMAIN}
 * @param authenticated the AD bit (RFC 4035 §3.2.3): the records were DNSSEC-validated by the resolver we
 *                      trust (or, for a negative answer, their non-existence was proven); false when the
 *                      resolver is configured not to trust AD
 * @param ttlSeconds    how long the answer stays valid from now: the smallest TTL of the records, or the
 *                      negative TTL (RFC 2308 §5) for NXDOMAIN/NODATA; counts down in a cache
 * @param records       the records of the type asked (CNAME chains followed), in answer order
 */
public record DnsAnswer<T extends DnsRecord>(String name, DnsType<T> type, Rcode rcode, boolean authenticated, long ttlSeconds,
                                             List<T> records) {

    /** Response codes (RFC 1035 §4.1.1, RFC 6895 §2.3). */
    public enum Rcode {
        NOERROR(0), FORMERR(1), SERVFAIL(2), NXDOMAIN(3), NOTIMP(4), REFUSED(5), YXDOMAIN(6), YXRRSET(7), NXRRSET(8),
        NOTAUTH(9), NOTZONE(10), OTHER(-1);

        private final int value;

        Rcode(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        public static Rcode of(int value) {
            for (Rcode r : values()) {
                if (r.value == value) {
                    return r;
                }
            }
            return OTHER;
        }
    }

    public DnsAnswer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new IllegalArgumentException("not a definite answer: " + rcode);
        }
        records = List.copyOf(records);
        if (rcode == Rcode.NXDOMAIN && !records.isEmpty()) {
            throw new IllegalArgumentException("NXDOMAIN with records");
        }
        for (T r : records) {
            if (!type.recordClass().isInstance(r)) {
                throw new IllegalArgumentException(type + " answer with a " + r.getClass().getSimpleName());
            }
        }
        ttlSeconds = Math.max(0, ttlSeconds);
    }

    public static <T extends DnsRecord> DnsAnswer<T> nxdomain(String name, DnsType<T> type, boolean authenticated, long ttlSeconds) {
        return new DnsAnswer<>(name, type, Rcode.NXDOMAIN, authenticated, ttlSeconds, List.of());
    }

    public static <T extends DnsRecord> DnsAnswer<T> of(String name, DnsType<T> type, boolean authenticated, long ttlSeconds,
                                                        List<T> records) {
        return new DnsAnswer<>(name, type, Rcode.NOERROR, authenticated, ttlSeconds, records);
    }

    public boolean nxdomain() {
        return rcode == Rcode.NXDOMAIN;
    }

    /** NOERROR without records of the type asked (RFC 2308 §2.2). */
    public boolean nodata() {
        return rcode == Rcode.NOERROR && records.isEmpty();
    }

    /** NXDOMAIN or NODATA: what SPF counts as a "void lookup" (RFC 7208 §4.6.4). */
    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** The same answer with a TTL counted down (served from a cache). */
    public DnsAnswer<T> withTtl(long seconds) {
        return new DnsAnswer<>(name, type, rcode, authenticated, seconds, records);
    }
}
