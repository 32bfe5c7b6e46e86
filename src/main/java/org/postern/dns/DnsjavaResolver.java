package org.postern.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postern.core.DnsAnswer;
import org.postern.core.DnsAnswer.Rcode;
import org.postern.core.DnsRecord;
import org.postern.core.DnsResolver;
import org.postern.core.DnsType;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;

/**
 * {@link DnsResolver} over dnsjava, asking configured recursive servers directly (stub resolver).
 *
 * <ul>
 *   <li>Servers from {@code dns_servers} ("host" or "host:port"), else the system's resolv.conf.</li>
 *   <li>Each query tries every server in turn, {@code dns_attempts} rounds, {@code dns_timeout} each.</li>
 *   <li>One generic {@link #lookup}: every record type goes through the same query, conversion and cache.</li>
 *   <li>NXDOMAIN and NODATA are definite answers without records. SERVFAIL, REFUSED, timeouts and network errors
 *       are {@link DnsTemporaryException} (callers tempfail, never pass).</li>
 *   <li>The AD bit is reported when {@code dns_trust_ad} is on (the default; see the constructor).</li>
 *   <li>Answers are cached for their TTL (at most a day, {@code dns_cache_size} entries); negative answers for the SOA minimum (RFC 2308 §5),
 *       capped by {@code dns_negative_ttl}. Temporary failures are not cached.</li>
 *   <li>Loopback entries of the hosts file (and {@code localhost}) answer A/AAAA and PTR queries
 *       first, so a default install works with no DNS at all.</li>
 * </ul>
 */
public final class DnsjavaResolver implements DnsResolver {
    private static final Logger LOG = LoggerFactory.getLogger("dns");
    private static final long MAX_TTL_SECONDS = 86_400;

    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final int attempts;
    private final long negativeTtlCap;
    private final boolean trustAd;
    private final InstantSource clock;
    private final Cache<Key, Cached> cache;
    private final Map<String, List<InetAddress>> hostsByName;
    private final Map<String, List<String>> hostsByReverseName;
    private final AtomicLong queries = new AtomicLong();

    private record Key(String name, int type) {
    }

    /** A cached answer and when it was stored (its TTL counts down from there). */
    private record Cached(DnsAnswer<?> answer, long storedMillis) {
    }

    /** A resolver trusting AD from its servers, on the system clock. */
    public DnsjavaResolver(List<InetSocketAddress> servers, Duration timeout, int attempts, int cacheSize,
                           Duration negativeTtlCap, Path hostsFile) {
        this(servers, timeout, attempts, cacheSize, negativeTtlCap, hostsFile, true, InstantSource.system());
    }

    /**
     * @param trustAd take the AD bit of the servers' answers as DNSSEC validation ("AD from upstream", Postfix's
     *                {@code smtp_dns_support_level = dnssec}); only sound when the path to a validating recursive
     *                resolver is trusted (loopback or a protected network). Local validation with dnsjava's
     *                {@code org.xbill.DNS.dnssec.ValidatingResolver} and a trust anchor is possible behind this
     *                same interface, should a deployment have no validating resolver.
     * @param clock   the time the cache's TTLs count on (tests inject one to expire entries without sleeping)
     */
    public DnsjavaResolver(List<InetSocketAddress> servers, Duration timeout, int attempts, int cacheSize,
                           Duration negativeTtlCap, Path hostsFile, boolean trustAd, InstantSource clock) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no DNS servers configured and none found in the system configuration");
        }
        this.servers = List.copyOf(servers);
        this.timeout = timeout.isZero() || timeout.isNegative() ? Duration.ofSeconds(5) : timeout;
        this.attempts = Math.max(1, attempts);
        this.negativeTtlCap = Math.max(0, negativeTtlCap.toSeconds());
        this.trustAd = trustAd;
        this.clock = clock;
        this.cache = cacheSize <= 0 ? null : Caffeine.newBuilder()
                .maximumSize(cacheSize)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run) // evictions inline: no pool thread for a cache this cheap
                .expireAfter(new Expiry<Key, Cached>() {
                    public long expireAfterCreate(Key k, Cached c, long now) {
                        return TimeUnit.SECONDS.toNanos(c.answer().ttlSeconds());
                    }

                    public long expireAfterUpdate(Key k, Cached c, long now, long current) {
                        return TimeUnit.SECONDS.toNanos(c.answer().ttlSeconds());
                    }

                    public long expireAfterRead(Key k, Cached c, long now, long current) {
                        return current;
                    }
                })
                .build();
        this.hostsByName = new LinkedHashMap<>();
        this.hostsByReverseName = new LinkedHashMap<>();
        loadHosts(hostsFile);
    }

    /** The resolver the server uses: {@code server.dns_servers} and the {@link DnsSettings}. */
    public static DnsjavaResolver fromConfig(Config config) {
        List<String> configured = List.of();
        Setting<?> s = config.registry().get(DnsSettings.DNS_SERVERS_KEY);
        if (s != null && config.get(s) instanceof List<?> l) {
            configured = l.stream().map(String::valueOf).toList();
        }
        String hosts = config.get(DnsSettings.DNS_HOSTS_FILE);
        return new DnsjavaResolver(parseServers(configured), config.get(DnsSettings.DNS_TIMEOUT), config.get(DnsSettings.DNS_ATTEMPTS),
                config.get(DnsSettings.DNS_CACHE_SIZE), config.get(DnsSettings.DNS_NEGATIVE_TTL),
                hosts.isBlank() ? null : Path.of(hosts), config.get(DnsSettings.DNS_TRUST_AD), InstantSource.system());
    }

    /**
     * Parses "host", "host:port", "[v6]:port" or a bare IPv6 address; an empty list means the
     * system's resolv.conf servers.
     */
    public static List<InetSocketAddress> parseServers(List<String> specs) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String spec : specs) {
            String s = spec.strip();
            if (s.isEmpty()) {
                continue;
            }
            String host = s;
            int port = 53;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("bad DNS server '" + spec + "': missing ']'");
                }
                host = s.substring(1, close);
                if (close + 1 < s.length()) {
                    if (s.charAt(close + 1) != ':') {
                        throw new IllegalArgumentException("bad DNS server '" + spec + "'");
                    }
                    port = parsePort(spec, s.substring(close + 2));
                }
            } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
                host = s.substring(0, s.indexOf(':'));
                port = parsePort(spec, s.substring(s.indexOf(':') + 1));
            }
            try {
                // Literal addresses only resolve without a lookup; a name here would need DNS to find DNS.
                out.add(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad DNS server '" + spec + "': " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            out.addAll(ResolverConfig.getCurrentConfig().servers());
        }
        return out;
    }

    private static int parsePort(String spec, String p) {
        try {
            int port = Integer.parseInt(p);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad DNS server '" + spec + "': bad port '" + p + "'");
        }
    }

    private void loadHosts(Path file) {
        hostsByName.put("localhost", List.of(InetAddress.getLoopbackAddress()));
        if (file != null && Files.isReadable(file)) {
            try {
                Map<String, Set<InetAddress>> names = new LinkedHashMap<>();
                for (String raw : Files.readAllLines(file)) {
                    int hash = raw.indexOf('#');
                    String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
                    if (line.isEmpty()) {
                        continue;
                    }
                    String[] f = line.split("\\s+");
                    if (f.length < 2 || !looksLikeAddress(f[0])) {
                        continue;
                    }
                    InetAddress a;
                    try {
                        a = InetAddress.getByName(f[0]);
                    } catch (UnknownHostException e) {
                        continue;
                    }
                    if (!a.isLoopbackAddress()) {
                        continue; // only loopback answers come from the file; everything else asks DNS
                    }
                    for (int i = 1; i < f.length; i++) {
                        String n = f[i].toLowerCase(Locale.ROOT);
                        names.computeIfAbsent(n, k -> new LinkedHashSet<>()).add(a);
                        hostsByReverseName.computeIfAbsent(DnsResolver.reverseName(a), k -> new ArrayList<>()).add(n);
                    }
                }
                names.forEach((n, set) -> hostsByName.put(n, List.copyOf(set)));
            } catch (IOException e) {
                LOG.warn("cannot read hosts file {}: {}", file, e.getMessage());
            }
        }
        for (String loop : new String[] {"127.0.0.1", "::1"}) {
            try {
                hostsByReverseName.putIfAbsent(DnsResolver.reverseName(InetAddress.getByName(loop)), List.of("localhost"));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static boolean looksLikeAddress(String s) {
        return s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** Queries sent to DNS servers so far (cache misses), for tests and metrics. */
    public long queriesSent() {
        return queries.get();
    }

    @Override
    public <T extends DnsRecord> DnsAnswer<T> lookup(String name, DnsType<T> type) {
        String n = normalise(name);
        if (n.isEmpty() || n.length() > 253) {
            return DnsAnswer.nxdomain(n, type, false, 0); // not a name that can exist
        }
        DnsAnswer<T> local = fromHosts(n, type);
        if (local != null) {
            return local;
        }
        Key key = new Key(n, type.code());
        if (cache != null) {
            Cached hit = cache.getIfPresent(key);
            if (hit != null) {
                long left = hit.answer().ttlSeconds() - (clock.millis() - hit.storedMillis()) / 1000;
                return cast(hit.answer(), type).withTtl(left);
            }
        }
        DnsAnswer<T> a = query(n, type);
        if (cache != null && a.ttlSeconds() > 0) {
            cache.put(key, new Cached(a, clock.millis()));
        }
        return a;
    }

    @SuppressWarnings("unchecked")
    private static <T extends DnsRecord> DnsAnswer<T> cast(DnsAnswer<?> a, DnsType<T> type) {
        if (a.type() != type) {
            throw new IllegalStateException("cache entry of type " + a.type() + " under " + type);
        }
        return (DnsAnswer<T>) a;
    }

    /** Loopback names and addresses of the hosts file answer A, AAAA and PTR without DNS (NODATA for the other family). */
    private <T extends DnsRecord> DnsAnswer<T> fromHosts(String name, DnsType<T> type) {
        if (type == DnsType.A || type == DnsType.AAAA) {
            List<InetAddress> addrs = hostsByName.get(name);
            if (addrs == null) {
                return null;
            }
            Class<?> family = type == DnsType.A ? Inet4Address.class : Inet6Address.class;
            List<T> records = addrs.stream().filter(family::isInstance).map(a -> type.recordClass().cast(new DnsRecord.Address(a))).toList();
            return DnsAnswer.of(name, type, false, 0, records);
        }
        if (type == DnsType.PTR) {
            List<String> names = hostsByReverseName.get(name);
            if (names == null) {
                return null;
            }
            return DnsAnswer.of(name, type, false, 0, names.stream().map(h -> type.recordClass().cast(new DnsRecord.Host(h))).toList());
        }
        return null;
    }

    /** Lower case, no trailing dot, IDNA A-labels (a name that cannot be converted is queried as given and will not exist). */
    static String normalise(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        n = n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
        if (!n.chars().allMatch(c -> c < 128)) {
            try {
                n = java.net.IDN.toASCII(n, java.net.IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                return n;
            }
        }
        return n;
    }

    private static String nameText(Name n) {
        String s = n.toString(true).toLowerCase(Locale.ROOT);
        return s.equals("@") ? "" : s;
    }

    private <T extends DnsRecord> DnsAnswer<T> query(String name, DnsType<T> type) {
        Name qname;
        try {
            qname = Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            return DnsAnswer.nxdomain(name, type, false, 0); // not a valid DNS name: it cannot exist
        }
        Message query = Message.newQuery(Record.newRecord(qname, type.code(), DClass.IN));
        if (trustAd) {
            // RFC 6840 §5.7: AD in the query asks a validating resolver to report validation in AD
            query.getHeader().setFlag(Flags.AD);
        }
        String lastProblem = "no servers";
        Rcode lastRcode = null;
        Throwable lastCause = null;
        for (int round = 0; round < attempts; round++) {
            for (InetSocketAddress server : servers) {
                SimpleResolver res = new SimpleResolver(server);
                res.setTimeout(timeout);
                // EDNS0 with a 1232-byte payload (the DNS flag day 2020 value): large TXT answers (DKIM keys) fit in UDP;
                // truncated answers are retried over TCP by dnsjava. DO (RFC 3225) when we trust AD, as Postfix's
                // smtp_dns_support_level=dnssec does with RES_USE_DNSSEC.
                res.setEDNS(0, 1232, trustAd ? ExtendedFlags.DO : 0, List.of());
                Message response;
                try {
                    queries.incrementAndGet();
                    response = res.send(query);
                } catch (IOException e) {
                    lastProblem = server + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                    lastCause = e;
                    continue;
                }
                Rcode rcode = Rcode.of(response.getRcode());
                if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                    lastProblem = server + ": " + rcode;
                    lastRcode = rcode;
                    continue; // SERVFAIL, REFUSED...: another server may know
                }
                return answer(name, type, response, trustAd, negativeTtlCap);
            }
        }
        throw new DnsTemporaryException("DNS lookup of " + name + "/" + type + " failed: " + lastProblem, lastRcode, lastCause);
    }

    /**
     * A NOERROR/NXDOMAIN response as a typed answer (pure: unit-tested on built messages). The records are
     * those of the type asked in the answer section, whatever their owner (the server follows CNAMEs and puts
     * the chain first). TTL: the smallest of the records (RFC 2181 §5.2: one RRset, one TTL); negative answers
     * per RFC 2308 §5. The AD bit counts only when {@code trustAd}.
     */
    static <T extends DnsRecord> DnsAnswer<T> answer(String name, DnsType<T> type, Message response, boolean trustAd,
                                                     long negativeTtlCap) {
        boolean ad = trustAd && response.getHeader().getFlag(Flags.AD);
        if (response.getRcode() == Rcode.NXDOMAIN.value()) {
            return DnsAnswer.nxdomain(name, type, ad, negativeTtl(response, negativeTtlCap));
        }
        List<T> records = new ArrayList<>();
        long ttl = MAX_TTL_SECONDS;
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r.getType() == type.code()) {
                T value = convert(r, type);
                if (value != null) {
                    records.add(value);
                    ttl = Math.min(ttl, r.getTTL());
                }
            }
        }
        if (records.isEmpty()) {
            return DnsAnswer.of(name, type, ad, negativeTtl(response, negativeTtlCap), List.of()); // NODATA
        }
        return DnsAnswer.of(name, type, ad, ttl, records);
    }

    /** One dnsjava record as our typed value; null for a record dnsjava could not parse into its class. */
    private static <T extends DnsRecord> T convert(Record r, DnsType<T> type) {
        DnsRecord v = switch (r) {
            case ARecord a -> new DnsRecord.Address(a.getAddress());
            case AAAARecord a -> new DnsRecord.Address(a.getAddress());
            case MXRecord m -> new MxRecord(m.getPriority(), nameText(m.getTarget()).isEmpty() ? "." : nameText(m.getTarget()));
            case TXTRecord t -> new DnsRecord.Txt(t.getStringsAsByteArrays().stream()
                    .map(b -> new String(b, StandardCharsets.UTF_8)).toList());
            case TLSARecord t -> new DnsRecord.Tlsa(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(), t.getCertificateAssociationData());
            case SRVRecord s -> new DnsRecord.Srv(s.getPriority(), s.getWeight(), s.getPort(), nameText(s.getTarget()));
            case PTRRecord p -> new DnsRecord.Host(nameText(p.getTarget()));
            case NSRecord n -> new DnsRecord.Host(nameText(n.getTarget()));
            case CNAMERecord c -> new DnsRecord.Host(nameText(c.getTarget()));
            default -> null;
        };
        return type.recordClass().isInstance(v) ? type.recordClass().cast(v) : null;
    }

    /** RFC 2308 §5: the negative TTL is min(SOA TTL, SOA MINIMUM), capped by configuration; 60 s without an SOA. */
    static long negativeTtl(Message response, long cap) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(cap, Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return Math.min(cap, 60);
    }
}
