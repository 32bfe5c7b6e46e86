package org.postern.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.postern.core.DnsResolver;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DnsResolver} over dnsjava, asking configured recursive servers directly (stub resolver).
 *
 * <ul>
 *   <li>Servers from {@code dns_servers} ("host" or "host:port"), else the system's resolv.conf.</li>
 *   <li>Each query tries every server in turn, {@code dns_attempts} rounds, {@code dns_timeout} each.</li>
 *   <li>NXDOMAIN and NODATA are definite: an empty list. SERVFAIL, REFUSED, timeouts and network errors
 *       are {@link DnsTemporaryException} (callers tempfail, never pass).</li>
 *   <li>Answers are cached for their TTL; negative answers for the SOA minimum (RFC 2308 §5),
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
    private final Cache<Key, Answer> cache;
    private final Map<String, List<InetAddress>> hostsByName;
    private final Map<InetAddress, List<String>> hostsByAddress;
    private final AtomicLong queries = new AtomicLong();

    private record Key(String name, int type) {
    }

    /** A cached answer: records as dnsjava objects (immutable), and the TTL in seconds. */
    private record Answer(List<Record> records, long ttlSeconds) {
    }

    public DnsjavaResolver(List<InetSocketAddress> servers, Duration timeout, int attempts, int cacheSize,
                           Duration negativeTtlCap, Path hostsFile) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no DNS servers configured and none found in the system configuration");
        }
        this.servers = List.copyOf(servers);
        this.timeout = timeout.isZero() || timeout.isNegative() ? Duration.ofSeconds(5) : timeout;
        this.attempts = Math.max(1, attempts);
        this.negativeTtlCap = Math.max(0, negativeTtlCap.toSeconds());
        this.cache = cacheSize <= 0 ? null : Caffeine.newBuilder()
                .maximumSize(cacheSize)
                .expireAfter(new Expiry<Key, Answer>() {
                    public long expireAfterCreate(Key k, Answer a, long now) {
                        return Duration.ofSeconds(a.ttlSeconds()).toNanos();
                    }

                    public long expireAfterUpdate(Key k, Answer a, long now, long current) {
                        return Duration.ofSeconds(a.ttlSeconds()).toNanos();
                    }

                    public long expireAfterRead(Key k, Answer a, long now, long current) {
                        return current;
                    }
                })
                .build();
        this.hostsByName = new LinkedHashMap<>();
        this.hostsByAddress = new LinkedHashMap<>();
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
                hosts.isBlank() ? null : Path.of(hosts));
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
                        hostsByAddress.computeIfAbsent(a, k -> new ArrayList<>()).add(n);
                    }
                }
                names.forEach((n, set) -> hostsByName.put(n, List.copyOf(set)));
            } catch (IOException e) {
                LOG.warn("cannot read hosts file {}: {}", file, e.getMessage());
            }
        }
        for (String loop : new String[] {"127.0.0.1", "::1"}) {
            try {
                hostsByAddress.putIfAbsent(InetAddress.getByName(loop), List.of("localhost"));
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
    public List<InetAddress> addresses(String hostname) {
        String n = normalise(hostname);
        List<InetAddress> fromHosts = hostsByName.get(n);
        if (fromHosts != null) {
            return fromHosts;
        }
        List<InetAddress> out = new ArrayList<>();
        DnsTemporaryException failure = null;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            try {
                for (Record r : query(n, type)) {
                    if (r instanceof ARecord a) {
                        out.add(a.getAddress());
                    } else if (r instanceof AAAARecord a) {
                        out.add(a.getAddress());
                    }
                }
            } catch (DnsTemporaryException e) {
                failure = e;
            }
        }
        if (out.isEmpty() && failure != null) {
            throw failure;
        }
        return List.copyOf(out);
    }

    @Override
    public List<String> ptr(InetAddress address) {
        List<String> fromHosts = hostsByAddress.get(address);
        if (fromHosts != null) {
            return List.copyOf(fromHosts);
        }
        List<String> out = new ArrayList<>();
        for (Record r : query(ReverseMap.fromAddress(address).toString(), Type.PTR)) {
            if (r instanceof PTRRecord p) {
                out.add(nameText(p.getTarget()));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public List<MxRecord> mx(String domain) {
        List<MxRecord> out = new ArrayList<>();
        for (Record r : query(normalise(domain), Type.MX)) {
            if (r instanceof MXRecord m) {
                String host = nameText(m.getTarget());
                out.add(new MxRecord(m.getPriority(), host.isEmpty() ? "." : host));
            }
        }
        out.sort(Comparator.comparingInt(MxRecord::preference));
        return List.copyOf(out);
    }

    @Override
    public List<String> ns(String domain) {
        List<String> out = new ArrayList<>();
        for (Record r : query(normalise(domain), Type.NS)) {
            if (r instanceof NSRecord n) {
                String host = nameText(n.getTarget());
                if (!host.isEmpty()) {
                    out.add(host);
                }
            }
        }
        return List.copyOf(out);
    }

    @Override
    public List<String> txt(String name) {
        List<String> out = new ArrayList<>();
        for (Record r : query(normalise(name), Type.TXT)) {
            if (r instanceof TXTRecord t) {
                StringBuilder sb = new StringBuilder();
                for (byte[] part : t.getStringsAsByteArrays()) {
                    sb.append(new String(part, java.nio.charset.StandardCharsets.UTF_8));
                }
                out.add(sb.toString());
            }
        }
        return List.copyOf(out);
    }

    @Override
    public List<String> a(String name) {
        List<String> out = new ArrayList<>();
        for (Record r : query(normalise(name), Type.A)) {
            if (r instanceof ARecord a) {
                out.add(a.getAddress().getHostAddress());
            }
        }
        return List.copyOf(out);
    }

    /** Lower case, no trailing dot, IDNA A-labels (a name that cannot be converted is queried as given and will not exist). */
    private static String normalise(String name) {
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

    /** Records of exactly this type for the name (CNAME chains in the answer are followed by the server). */
    private List<Record> query(String name, int type) {
        if (name.isEmpty() || name.length() > 253) {
            return List.of();
        }
        Key key = new Key(name, type);
        if (cache != null) {
            Answer hit = cache.getIfPresent(key);
            if (hit != null) {
                return hit.records();
            }
        }
        Answer a = lookup(name, type);
        if (cache != null && a.ttlSeconds() > 0) {
            cache.put(key, a);
        }
        return a.records();
    }

    private Answer lookup(String name, int type) {
        Name qname;
        try {
            qname = Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            return new Answer(List.of(), 0); // not a valid DNS name: it cannot exist
        }
        Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        String lastProblem = "no servers";
        Throwable lastCause = null;
        for (int round = 0; round < attempts; round++) {
            for (InetSocketAddress server : servers) {
                SimpleResolver res = new SimpleResolver(server);
                res.setTimeout(timeout);
                // EDNS0 with a 1232-byte payload (the DNS flag day 2020 value): large TXT answers (DKIM keys) fit in UDP;
                // truncated answers are retried over TCP by dnsjava
                res.setEDNS(0, 1232, 0, List.of());
                Message response;
                try {
                    queries.incrementAndGet();
                    response = res.send(query);
                } catch (IOException e) {
                    lastProblem = server + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                    lastCause = e;
                    continue;
                }
                int rcode = response.getRcode();
                if (rcode == Rcode.NXDOMAIN) {
                    return new Answer(List.of(), negativeTtl(response));
                }
                if (rcode != Rcode.NOERROR) {
                    lastProblem = server + ": " + Rcode.string(rcode);
                    continue; // SERVFAIL, REFUSED...: another server may know
                }
                List<Record> matching = new ArrayList<>();
                long ttl = MAX_TTL_SECONDS;
                for (Record r : response.getSection(Section.ANSWER)) {
                    if (r.getType() == type) {
                        matching.add(r);
                        ttl = Math.min(ttl, r.getTTL());
                    }
                }
                if (matching.isEmpty()) {
                    return new Answer(List.of(), negativeTtl(response)); // NODATA
                }
                return new Answer(List.copyOf(matching), ttl);
            }
        }
        throw new DnsTemporaryException("DNS lookup of " + name + "/" + Type.string(type) + " failed: " + lastProblem, lastCause);
    }

    /** RFC 2308 §5: the negative TTL is min(SOA TTL, SOA MINIMUM), capped by configuration. */
    private long negativeTtl(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(negativeTtlCap, Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return Math.min(negativeTtlCap, 60);
    }
}
