package org.postern.core;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one DNS interface every DNS-dependent feature uses (DESIGN §6). Implemented with dnsjava
 * against configurable servers ({@code org.postern.dns.DnsjavaResolver}).
 *
 * <p>One primitive, {@link #lookup(String, DnsType)}: a typed, cached {@link DnsAnswer} carrying the rcode,
 * the AD bit and the TTL. A {@link DnsTemporaryException} means the answer is unknown (timeout, SERVFAIL,
 * REFUSED) and callers must tempfail (450/451), never pass or permanently reject. The list methods below
 * are conveniences over it: an empty list means NXDOMAIN or NODATA (a definite answer).
 */
public interface DnsResolver {

    /**
     * Records of {@code type} for {@code name} (any case, trailing dot optional, U-labels converted to
     * A-labels). CNAMEs are followed. Throws {@link DnsTemporaryException} when no server gave a definite answer.
     */
    <T extends DnsRecord> DnsAnswer<T> lookup(String name, DnsType<T> type);

    /** A and AAAA addresses of a host name (IPv4 first); a temporary failure only when neither family answered. */
    default List<InetAddress> addresses(String hostname) {
        List<InetAddress> out = new ArrayList<>();
        DnsTemporaryException failure = null;
        for (DnsType<DnsRecord.Address> t : List.of(DnsType.A, DnsType.AAAA)) {
            try {
                lookup(hostname, t).records().forEach(r -> out.add(r.address()));
            } catch (DnsTemporaryException e) {
                failure = e;
            }
        }
        if (out.isEmpty() && failure != null) {
            throw failure;
        }
        return List.copyOf(out);
    }

    /** PTR names of an address (without trailing dot, lower case). */
    default List<String> ptr(InetAddress address) {
        return lookup(reverseName(address), DnsType.PTR).records().stream().map(DnsRecord.Host::name).toList();
    }

    /** MX records ordered by preference. */
    default List<MxRecord> mx(String domain) {
        return lookup(domain, DnsType.MX).records().stream().sorted(Comparator.comparingInt(MxRecord::preference)).toList();
    }

    /** NS records: the name servers of a zone (lower case, without trailing dot). */
    default List<String> ns(String domain) {
        return lookup(domain, DnsType.NS).records().stream().map(DnsRecord.Host::name).filter(n -> !n.isEmpty()).toList();
    }

    /** TXT records, each the concatenation of its character-strings. */
    default List<String> txt(String name) {
        return lookup(name, DnsType.TXT).records().stream().map(DnsRecord.Txt::text).toList();
    }

    /** A records as text (for DNSBL answers such as 127.0.0.2). */
    default List<String> a(String name) {
        return lookup(name, DnsType.A).records().stream().map(DnsRecord.Address::text).toList();
    }

    /** The reverse-lookup name of an address: {@code 4.3.2.1.in-addr.arpa}, or nibbles under {@code ip6.arpa} (RFC 3596 §2.5). */
    static String reverseName(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder(address instanceof Inet4Address ? 29 : 73);
        for (int i = b.length - 1; i >= 0; i--) {
            if (address instanceof Inet4Address) {
                sb.append(b[i] & 0xff).append('.');
            } else {
                sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
            }
        }
        return sb.append(address instanceof Inet4Address ? "in-addr.arpa" : "ip6.arpa").toString().toLowerCase(Locale.ROOT);
    }

    /** An MX record; host "" or "." is a null MX (RFC 7505). */
    record MxRecord(int preference, String host) implements DnsRecord {
    }

    /** The DNS could not answer now (timeout, SERVFAIL, REFUSED, network): a temporary condition. */
    final class DnsTemporaryException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final DnsAnswer.Rcode rcode;

        public DnsTemporaryException(String message, Throwable cause) {
            this(message, null, cause);
        }

        /** {@code rcode} is the last server's error code, null when no server answered (timeouts, network). */
        public DnsTemporaryException(String message, DnsAnswer.Rcode rcode, Throwable cause) {
            super(message, cause);
            this.rcode = rcode;
        }

        /** SERVFAIL, REFUSED...; empty when no server answered at all. */
        public Optional<DnsAnswer.Rcode> rcode() {
            return Optional.ofNullable(rcode);
        }
    }
}
