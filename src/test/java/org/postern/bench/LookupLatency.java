package org.postern.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.postern.core.Address;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.postern.directory.DirectorySettings;
import org.postern.directory.SqlDirectory;
import org.postern.testkit.MariaDbServer;
import org.postern.testkit.PostgresServer;

/**
 * Directory lookup latency (resolve() as the SMTP server calls it at RCPT), with and without
 * the lookup cache, on SQLite and on real MariaDB and PostgreSQL servers. A plain loop, no JMH:
 * run by {@code bench/lookup-latency.sh}. Prints p50/p99/mean in microseconds.
 */
public final class LookupLatency {
    private static final int USERS = 1000;
    private static final int ALIASES = 200;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
        List<String> backends = args.length > 1 ? Arrays.asList(args[1].split(",")) : List.of("sqlite", "mariadb", "postgresql");
        System.out.printf("%-11s %-9s %9s %9s %9s %9s%n", "backend", "cache", "p50 µs", "p99 µs", "mean µs", "hit rate");
        Path tmp = Files.createTempDirectory("postern-bench");
        for (String b : backends) {
            Map<Setting<?>, String> db = switch (b) {
                case "sqlite" -> Map.of(DirectorySettings.URL, "jdbc:sqlite:" + tmp.resolve("d.db"));
                case "mariadb" -> mariadb();
                case "postgresql" -> postgres();
                default -> throw new IllegalArgumentException("unknown backend " + b);
            };
            fill(db);
            for (String ttl : List.of("0", "60s")) {
                Map<Setting<?>, String> s = new HashMap<>(db);
                s.put(DirectorySettings.CACHE_TTL, ttl);
                try (SqlDirectory d = open(s)) {
                    measure(b, ttl.equals("0") ? "off" : "on (60s)", d, n);
                }
            }
        }
        try (var files = Files.walk(tmp)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.exit(0);
    }

    private static Map<Setting<?>, String> mariadb() {
        MariaDbServer m = MariaDbServer.get();
        String db = m.createDatabase("bench");
        m.createOwner(db, db + "_o", "pw");
        return Map.of(DirectorySettings.URL, m.url(db), DirectorySettings.USER, db + "_o", DirectorySettings.PASSWORD, "pw");
    }

    private static Map<Setting<?>, String> postgres() {
        PostgresServer pg = PostgresServer.get();
        String db = pg.createDatabase("bench");
        pg.createOwner(db, db + "_o", "pw");
        return Map.of(DirectorySettings.URL, pg.url(db), DirectorySettings.USER, db + "_o", DirectorySettings.PASSWORD, "pw");
    }

    private static SqlDirectory open(Map<Setting<?>, String> s) {
        return SqlDirectory.open(Config.defaults(DirectorySettings.all()).with(s), Path.of(System.getProperty("java.io.tmpdir")));
    }

    private static void fill(Map<Setting<?>, String> db) {
        try (SqlDirectory d = open(db)) {
            d.addDomain("example.org");
            for (int i = 0; i < USERS; i++) {
                d.addUser(Address.parse("user" + i + "@example.org"), "{PLAIN}x", null);
            }
            for (int i = 0; i < ALIASES; i++) {
                d.addAlias("alias" + i + "@example.org", List.of("user" + i + "@example.org", "user" + (i + 1) + "@example.org"));
            }
        }
    }

    /** 70% mailboxes (some with +extension), 20% aliases, 10% unknown users. */
    private static void measure(String backend, String cache, SqlDirectory d, int n) {
        Random r = new Random(42);
        List<Address> mix = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            int k = r.nextInt(10);
            String a = k < 6 ? "user" + r.nextInt(USERS) + "@example.org"
                    : k < 7 ? "user" + r.nextInt(USERS) + "+tag@example.org"
                    : k < 9 ? "alias" + r.nextInt(ALIASES) + "@example.org"
                    : "nobody" + r.nextInt(100) + "@example.org";
            mix.add(Address.parse(a));
        }
        for (int i = 0; i < Math.min(n, 3000); i++) {
            d.resolve(mix.get(i % mix.size()));
        }
        SqlDirectory.CacheStats before = d.stats();
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            Address a = mix.get(r.nextInt(mix.size()));
            long t0 = System.nanoTime();
            d.resolve(a);
            t[i] = System.nanoTime() - t0;
        }
        SqlDirectory.CacheStats after = d.stats();
        Arrays.sort(t);
        double mean = Arrays.stream(t).average().orElse(0) / 1000.0;
        long hits = after.hits() - before.hits();
        long misses = after.misses() - before.misses();
        String rate = hits + misses == 0 ? "-" : String.format("%.1f%%", 100.0 * hits / (hits + misses));
        System.out.printf("%-11s %-9s %9.1f %9.1f %9.1f %9s%n", backend, cache,
                t[n / 2] / 1000.0, t[(int) (n * 0.99)] / 1000.0, mean, rate);
    }
}
