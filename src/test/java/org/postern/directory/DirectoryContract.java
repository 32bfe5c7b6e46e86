package org.postern.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postern.core.Address;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.postern.directory.Directory.DirectoryUnavailableException;
import org.postern.directory.Directory.Resolution;
import org.postern.directory.DirectoryAdmin.AdminException;

/**
 * The directory's behaviour, run against every backend (SQLite, MariaDB, PostgreSQL) in
 * Postern's own schema. Implementations hand out a fresh, empty database per call.
 */
public interface DirectoryContract {

    /** The JDBC URL, user and password of a fresh, empty database. */
    Map<Setting<?>, String> freshDatabase();

    /** A URL of this backend where no server answers (for outage tests), or null if not applicable. */
    String deadUrl();

    static Config config(Map<Setting<?>, String> settings) {
        return Config.defaults(DirectorySettings.all()).with(settings);
    }

    default SqlDirectory open(Map<Setting<?>, String> extra) {
        Map<Setting<?>, String> s = new HashMap<>(freshDatabase());
        s.putAll(extra);
        return SqlDirectory.open(config(s), java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
    }

    default SqlDirectory open() {
        return open(Map.of());
    }

    static Address a(String s) {
        return Address.parse(s);
    }

    static List<String> keys(Resolution r) {
        return r.mailboxes().stream().map(m -> m.address().key()).toList();
    }

    static List<String> forwards(Resolution r) {
        return r.forwards().stream().map(Address::key).toList();
    }

    @Test
    default void domainsAddListRemove() {
        try (SqlDirectory d = open()) {
            assertFalse(d.isLocalDomain("example.org"));
            d.addDomain("Example.ORG");
            d.addDomain("bücher.example");
            assertTrue(d.isLocalDomain("example.org"));
            assertTrue(d.isLocalDomain("EXAMPLE.org"));
            assertTrue(d.isLocalDomain("xn--bcher-kva.example"));
            assertTrue(d.isLocalDomain("BÜCHER.example"));
            AdminException dup = assertThrows(AdminException.class, () -> d.addDomain("example.org"));
            assertEquals(AdminException.Kind.DUPLICATE, dup.kind());
            assertEquals("domain example.org already exists", dup.getMessage());
            assertEquals(List.of(new DirectoryAdmin.DomainEntry("example.org", 0, 0),
                    new DirectoryAdmin.DomainEntry("xn--bcher-kva.example", 0, 0)), d.domains());
            d.removeDomain("xn--bcher-kva.example", false);
            assertFalse(d.isLocalDomain("bücher.example"));
            assertEquals(AdminException.Kind.NOT_FOUND, assertThrows(AdminException.class, () -> d.removeDomain("nope.example", false)).kind());
            assertEquals(AdminException.Kind.INVALID, assertThrows(AdminException.class, () -> d.addDomain("bad..domain")).kind());
        }
    }

    @Test
    default void usersAddFindRemove() {
        try (SqlDirectory d = open()) {
            AdminException unknown = assertThrows(AdminException.class, () -> d.addUser(a("bob@example.org"), "{PLAIN}x", null));
            assertEquals(AdminException.Kind.UNKNOWN_DOMAIN, unknown.kind());
            assertEquals("domain example.org is not a local domain (add it first: postern domain add example.org)", unknown.getMessage());
            d.addDomain("example.org");
            d.addUser(a("Bob@Example.org"), "{PLAIN}secret", null);
            d.addUser(a("carol@example.org"), "{PLAIN}c", 1024L * 1024 * 1024);
            AdminException dup = assertThrows(AdminException.class, () -> d.addUser(a("BOB@example.org"), "{PLAIN}y", null));
            assertEquals(AdminException.Kind.DUPLICATE, dup.kind());
            assertEquals("user bob@example.org already exists", dup.getMessage());

            assertEquals(Optional.of(new Directory.Mailbox(a("bob@example.org"), null)), d.mailbox(a("BOB@example.ORG")));
            assertEquals(1024L * 1024 * 1024, d.mailbox(a("carol@example.org")).orElseThrow().quotaBytes());
            assertTrue(d.mailbox(a("dave@example.org")).isEmpty());
            assertEquals(Optional.of("{PLAIN}secret"), d.passwordHash("BOB@example.org"));
            assertEquals(Optional.empty(), d.passwordHash("nobody@example.org"));

            d.setPasswordHash(a("bob@example.org"), "{PLAIN}new");
            assertEquals(Optional.of("{PLAIN}new"), d.passwordHash("bob@example.org"));
            assertEquals(AdminException.Kind.NOT_FOUND,
                    assertThrows(AdminException.class, () -> d.setPasswordHash(a("x@example.org"), "{PLAIN}z")).kind());

            List<DirectoryAdmin.UserEntry> users = d.users("example.org");
            assertEquals(List.of("bob@example.org", "carol@example.org"), users.stream().map(u -> u.address().key()).toList());
            assertEquals(1024L * 1024 * 1024, users.get(1).quotaBytes());
            assertEquals(2, d.users(null).size());
            assertEquals(AdminException.Kind.UNKNOWN_DOMAIN, assertThrows(AdminException.class, () -> d.users("other.example")).kind());

            d.setEnabled(a("bob@example.org"), false);
            assertTrue(d.mailbox(a("bob@example.org")).isEmpty(), "a disabled user has no mailbox");
            assertFalse(d.resolve(a("bob@example.org")).exists());
            assertEquals(Optional.empty(), d.passwordHash("bob@example.org"), "nor a login");
            assertFalse(d.users("example.org").get(0).enabled());
            d.setEnabled(a("bob@example.org"), true);
            assertTrue(d.mailbox(a("bob@example.org")).isPresent());

            d.removeUser(a("bob@example.org"));
            assertTrue(d.mailbox(a("bob@example.org")).isEmpty());
            assertEquals("no such user: bob@example.org",
                    assertThrows(AdminException.class, () -> d.removeUser(a("bob@example.org"))).getMessage());
        }
    }

    @Test
    default void domainRemovalRefusedWhileInUseUnlessForced() {
        try (SqlDirectory d = open()) {
            d.addDomain("example.org");
            d.addUser(a("bob@example.org"), "{PLAIN}x", null);
            d.addAlias("sales@example.org", List.of("bob@example.org"));
            assertEquals(List.of(new DirectoryAdmin.DomainEntry("example.org", 1, 1)), d.domains());
            AdminException e = assertThrows(AdminException.class, () -> d.removeDomain("example.org", false));
            assertEquals(AdminException.Kind.NOT_EMPTY, e.kind());
            assertEquals("domain example.org still has 1 user and 1 alias (use --force to remove them with it)", e.getMessage());
            assertTrue(d.isLocalDomain("example.org"));
            assertEquals(new DirectoryAdmin.Removal(1, 1), d.removeDomain("example.org", true));
            assertFalse(d.isLocalDomain("example.org"));
            assertTrue(d.users(null).isEmpty());
            assertTrue(d.aliases(null).isEmpty());
        }
    }

    @Test
    default void aliasesAddListRemove() {
        try (SqlDirectory d = open()) {
            d.addDomain("example.org");
            assertEquals(AdminException.Kind.UNKNOWN_DOMAIN,
                    assertThrows(AdminException.class, () -> d.addAlias("x@other.example", List.of("bob@example.org"))).kind());
            d.addAlias("Sales@example.org", List.of("bob@example.org, carol@example.org", "dave@remote.example"));
            d.addAlias("@example.org", List.of("postmaster@example.org"));
            AdminException dup = assertThrows(AdminException.class, () -> d.addAlias("sales@example.org", List.of("x@example.org")));
            assertEquals(AdminException.Kind.DUPLICATE, dup.kind());
            assertEquals(AdminException.Kind.INVALID,
                    assertThrows(AdminException.class, () -> d.addAlias("x@example.org", List.of("not an address"))).kind());
            assertEquals(List.of(new DirectoryAdmin.AliasEntry("@example.org", List.of("postmaster@example.org")),
                    new DirectoryAdmin.AliasEntry("sales@example.org",
                            List.of("bob@example.org", "carol@example.org", "dave@remote.example"))), d.aliases("example.org"));
            d.removeAlias("SALES@example.org");
            assertEquals(1, d.aliases(null).size());
            assertEquals(AdminException.Kind.NOT_FOUND, assertThrows(AdminException.class, () -> d.removeAlias("sales@example.org")).kind());
        }
    }

    @Test
    default void resolveMailboxesAliasesForwards() {
        try (SqlDirectory d = open()) {
            d.addDomain("example.org");
            d.addUser(a("bob@example.org"), "{PLAIN}x", null);
            d.addUser(a("carol@example.org"), "{PLAIN}x", 5000L);
            d.addAlias("sales@example.org", List.of("bob@example.org carol@example.org,dave@remote.example"));
            d.addAlias("team@example.org", List.of("sales@example.org", "bob@example.org"));

            Resolution bob = d.resolve(a("BOB@Example.org"));
            assertTrue(bob.exists());
            assertEquals(List.of("bob@example.org"), keys(bob));
            assertNull(bob.reason());

            Resolution team = d.resolve(a("team@example.org"));
            assertEquals(List.of("bob@example.org", "carol@example.org"), keys(team));
            assertEquals(5000L, team.mailboxes().get(1).quotaBytes());
            assertEquals(List.of("dave@remote.example"), forwards(team));
            assertTrue(team.trace().contains("team@example.org -> sales@example.org, bob@example.org"), team.trace().toString());

            Resolution missing = d.resolve(a("nobody@example.org"));
            assertFalse(missing.exists());
            assertEquals("nobody@example.org: no mailbox or alias for nobody@example.org", missing.reason());

            Resolution remote = d.resolve(a("bob@remote.example"));
            assertFalse(remote.exists());
            assertTrue(remote.reason().contains("not a local domain"), remote.reason());
        }
    }

    @Test
    default void quotedLocalParts() {
        try (SqlDirectory d = open()) {
            d.addDomain("example.org");
            d.addUser(a("\"John Smith\"@example.org"), "{PLAIN}x", null);
            Resolution r = d.resolve(a("\"john smith\"@Example.org"));
            assertEquals(List.of("john smith@example.org"), keys(r));
            assertEquals("\"john smith\"@example.org", r.mailboxes().get(0).address().toString());
            assertEquals("\"john smith\"@example.org", d.users(null).get(0).address().toString());
            assertTrue(d.mailbox(a("\"JOHN SMITH\"@example.org")).isPresent());
        }
    }

    @Test
    default void catchAllOnlyWhenNothingElseMatches() {
        try (SqlDirectory d = open()) {
            d.addDomain("example.org");
            d.addDomain("example.net");
            d.addUser(a("bob@example.org"), "{PLAIN}x", null);
            d.addUser(a("postmaster@example.org"), "{PLAIN}x", null);
            d.addUser(a("carol@example.org"), "{PLAIN}x", null);
            d.addAlias("sales@example.org", List.of("carol@example.org"));
            d.addAlias("@example.org", List.of("postmaster@example.org"));
            d.addUser(a("anne@example.org"), "{PLAIN}x", null);
            d.addAlias("@example.net", List.of("@example.org")); // domain rewrite: x@example.net -> x@example.org

            assertEquals(List.of("bob@example.org"), keys(d.resolve(a("bob@example.org"))));
            assertEquals(List.of("carol@example.org"), keys(d.resolve(a("sales@example.org"))));
            assertEquals(List.of("postmaster@example.org"), keys(d.resolve(a("anything@example.org"))));
            assertEquals(List.of("anne@example.org"), keys(d.resolve(a("anne@example.net"))));
            // unknown in .net -> rewritten to unknown@example.org -> the .org catch-all
            assertEquals(List.of("postmaster@example.org"), keys(d.resolve(a("zed@example.net"))));
        }
    }

    @Test
    default void recursionLoopsAndSelfAliases() {
        try (SqlDirectory d = open(Map.of(DirectorySettings.RECURSION_LIMIT, "5"))) {
            d.addDomain("example.org");
            d.addUser(a("a@example.org"), "{PLAIN}x", null);
            d.addUser(a("b@example.org"), "{PLAIN}x", null);
            // Postfix virtual(5): "a -> a, b" keeps a copy in a's own mailbox
            d.addAlias("a@example.org", List.of("a@example.org, b@example.org"));
            assertEquals(List.of("a@example.org", "b@example.org"), keys(d.resolve(a("a@example.org"))));

            // a loop between two aliases with no mailbox behind them: not found, reason names the loop
            d.addAlias("x@example.org", List.of("y@example.org"));
            d.addAlias("y@example.org", List.of("x@example.org"));
            Resolution loop = d.resolve(a("x@example.org"));
            assertFalse(loop.exists());
            assertTrue(loop.reason().contains("alias loop"), loop.reason());

            // a loop that also reaches a mailbox delivers to the mailbox
            d.addAlias("p@example.org", List.of("q@example.org"));
            d.addAlias("q@example.org", List.of("p@example.org", "b@example.org"));
            assertEquals(List.of("b@example.org"), keys(d.resolve(a("p@example.org"))));

            // a chain deeper than virtual_alias_recursion_limit (5)
            for (int i = 0; i < 7; i++) {
                d.addAlias("c" + i + "@example.org", List.of("c" + (i + 1) + "@example.org"));
            }
            d.addUser(a("c7@example.org"), "{PLAIN}x", null);
            Resolution deep = d.resolve(a("c0@example.org"));
            assertFalse(deep.exists());
            assertTrue(deep.reason().contains("virtual_alias_recursion_limit"), deep.reason());
            assertEquals(List.of("c7@example.org"), keys(d.resolve(a("c3@example.org"))));
        }
    }

    @Test
    default void recipientDelimiters() {
        try (SqlDirectory d = open(Map.of(DirectorySettings.RECIPIENT_DELIMITER, "+-"))) {
            d.addDomain("example.org");
            d.addUser(a("bob@example.org"), "{PLAIN}x", null);
            d.addUser(a("bob-smith@example.org"), "{PLAIN}x", null);
            d.addAlias("sales@example.org", List.of("bob@example.org"));
            d.addAlias("sales+vip@example.org", List.of("bob-smith@example.org"));
            assertEquals(List.of("bob@example.org"), keys(d.resolve(a("bob+news@example.org"))));
            assertEquals(List.of("bob@example.org"), keys(d.resolve(a("Bob-news@example.org"))));
            // the full address is tried first
            assertEquals(List.of("bob-smith@example.org"), keys(d.resolve(a("bob-smith@example.org"))));
            assertEquals(List.of("bob-smith@example.org"), keys(d.resolve(a("sales+vip@example.org"))));
            assertEquals(List.of("bob@example.org"), keys(d.resolve(a("sales+other@example.org"))));
            assertFalse(d.resolve(a("carl+x@example.org")).exists());
            // propagate_unmatched_extensions: the extension follows an alias matched without it
            d.addAlias("fwd@example.org", List.of("joe@remote.example", "bob@example.org", "fwd@example.org"));
            d.addUser(a("fwd@example.org"), "{PLAIN}x", null);
            Resolution fwd = d.resolve(a("fwd+Tag@example.org"));
            assertEquals(List.of("joe+Tag@remote.example"), fwd.forwards().stream().map(Address::toString).toList());
            assertEquals(List.of("bob@example.org", "fwd@example.org"), keys(fwd));
        }
        try (SqlDirectory d = open(Map.of(DirectorySettings.RECIPIENT_DELIMITER, ""))) {
            d.addDomain("example.org");
            d.addUser(a("bob@example.org"), "{PLAIN}x", null);
            assertFalse(d.resolve(a("bob+news@example.org")).exists());
        }
    }

    @Test
    default void cacheCountsHitsAndWritesInvalidate() {
        try (SqlDirectory d = open()) {
            d.addDomain("example.org");
            d.addUser(a("bob@example.org"), "{PLAIN}x", null);
            SqlDirectory.CacheStats s0 = d.stats();
            assertTrue(d.resolve(a("bob@example.org")).exists());
            SqlDirectory.CacheStats s1 = d.stats();
            assertTrue(s1.misses() > s0.misses());
            assertTrue(d.resolve(a("bob@example.org")).exists());
            SqlDirectory.CacheStats s2 = d.stats();
            assertEquals(s1.misses(), s2.misses(), "second lookup is answered from the cache");
            assertTrue(s2.hits() > s1.hits());
            d.removeUser(a("bob@example.org"));
            assertFalse(d.resolve(a("bob@example.org")).exists(), "a write through Postern invalidates the cache");
        }
        try (SqlDirectory d = open(Map.of(DirectorySettings.CACHE_TTL, "0"))) {
            d.addDomain("example.org");
            d.resolve(a("bob@example.org"));
            assertEquals(new SqlDirectory.CacheStats(0, 0, 0), d.stats());
        }
    }

    @Test
    default void migrationsAreIdempotent() {
        Map<Setting<?>, String> db = freshDatabase();
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        try (SqlDirectory d = SqlDirectory.open(config(db), tmp)) {
            d.addDomain("example.org");
        }
        try (SqlDirectory d = SqlDirectory.open(config(db), tmp)) {
            assertTrue(d.isLocalDomain("example.org"));
            assertEquals(1, d.domains().size());
        }
    }

    @Test
    default void concurrentStartUpsMigrateOnce() throws Exception {
        Map<Setting<?>, String> db = freshDatabase();
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        int n = 6;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        var go = new java.util.concurrent.CountDownLatch(1);
        try {
            List<java.util.concurrent.Future<?>> starts = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                starts.add(pool.submit(() -> {
                    go.await();
                    SqlDirectory.open(config(db), tmp).close();
                    return null;
                }));
            }
            go.countDown();
            for (var f : starts) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (SqlDirectory d = SqlDirectory.open(config(db), tmp)) {
            d.addDomain("example.org");
            assertEquals(1, d.domains().size());
        }
    }

    @Test
    default void outageIsATemporaryError() {
        String dead = deadUrl();
        if (dead == null) {
            return;
        }
        Map<Setting<?>, String> s = new HashMap<>(freshDatabase());
        s.put(DirectorySettings.URL, dead);
        s.put(DirectorySettings.SCHEMA, "foreign");
        s.put(DirectorySettings.CONNECT_TIMEOUT, "1s");
        try (SqlDirectory d = SqlDirectory.open(config(s), java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThrows(DirectoryUnavailableException.class, () -> d.isLocalDomain("example.org"));
            assertThrows(DirectoryUnavailableException.class, () -> d.resolve(a("bob@example.org")));
        }
        s.put(DirectorySettings.SCHEMA, "postern");
        assertThrows(DirectoryUnavailableException.class,
                () -> SqlDirectory.open(config(s), java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))).close());
    }
}
