package org.postern.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postern.core.Address;
import org.postern.core.config.Setting;
import org.postern.directory.DirectoryAdmin.AdminException;
import org.postern.testkit.Peers;

/**
 * A database made with the seed's SQL (001 §4), filled with plain SQL, read by Postern with
 * {@code schema = foreign} and the seed's default queries, as the seed's SELECT-only
 * {@code mailuser}; written (admin commands) only as a read-write user like the seed's
 * {@code mailctl}.
 */
public interface ForeignSchemaContract {

    /** A fresh database with the seed schema. */
    String createSeedDatabase();

    /** Runs statements as the administrator in {@code db}. */
    void admin(String db, String... sql);

    /** Creates a SELECT-only login; returns url/user/password settings. */
    Map<Setting<?>, String> selectOnlyUser(String db, String user);

    /** Creates a SELECT/INSERT/UPDATE/DELETE login; returns url/user/password settings. */
    Map<Setting<?>, String> readWriteUser(String db, String user);

    /** Tables present in {@code db} (lower-case), to prove nothing was added. */
    List<String> tables(String db);

    static List<String> seedStatements(String resource) {
        try (InputStream in = ForeignSchemaContract.class.getClassLoader().getResourceAsStream(resource)) {
            return Migrations.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A hash made by the real doveadm (SHA512-CRYPT, the seed's scheme) or, without it, {PLAIN}. */
    static String hash(String password) {
        Path doveadm = Peers.find("doveadm");
        if (doveadm == null) {
            if (Peers.required()) {
                throw new AssertionError("doveadm is not installed");
            }
            return "{PLAIN}" + password;
        }
        try {
            Process p = new ProcessBuilder(doveadm.toString(), "pw", "-s", "SHA512-CRYPT", "-p", password)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor());
            assertTrue(out.startsWith("{SHA512-CRYPT}$6$"), out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String fill() {
        String db = createSeedDatabase();
        List<String> sql = new ArrayList<>();
        sql.add("INSERT INTO virtual_domains (name) VALUES ('example.nl'), ('example2.nl')");
        sql.add("INSERT INTO virtual_users (domain_id, email, password) VALUES "
                + "((SELECT id FROM virtual_domains WHERE name='example.nl'), 'user@example.nl', '" + hash("secret") + "'), "
                + "((SELECT id FROM virtual_domains WHERE name='example.nl'), 'info@example.nl', '{PLAIN}info'), "
                + "((SELECT id FROM virtual_domains WHERE name='example2.nl'), 'boss@example2.nl', '{PLAIN}boss')");
        sql.add("INSERT INTO virtual_aliases (domain_id, source, destination) VALUES "
                + "((SELECT id FROM virtual_domains WHERE name='example.nl'), 'postmaster@example.nl', 'user@example.nl'), "
                + "((SELECT id FROM virtual_domains WHERE name='example.nl'), 'team@example.nl', 'user@example.nl, info@example.nl  boss@example2.nl,friend@elsewhere.example'), "
                + "((SELECT id FROM virtual_domains WHERE name='example2.nl'), '@example2.nl', 'boss@example2.nl')");
        admin(db, sql.toArray(String[]::new));
        return db;
    }

    private SqlDirectory openForeign(Map<Setting<?>, String> login) {
        Map<Setting<?>, String> s = new HashMap<>(login);
        s.put(DirectorySettings.SCHEMA, "foreign");
        return SqlDirectory.open(DirectoryContract.config(s), Path.of(System.getProperty("java.io.tmpdir")));
    }

    @Test
    default void seedDatabaseWorksUnchangedWithASelectOnlyUser() {
        String db = fill();
        List<String> before = tables(db);
        try (SqlDirectory d = openForeign(selectOnlyUser(db, db + "_mailuser"))) {
            assertTrue(d.isForeign());
            assertTrue(d.isLocalDomain("example.nl"));
            assertTrue(d.isLocalDomain("EXAMPLE2.nl"));
            assertFalse(d.isLocalDomain("example.com"));
            assertTrue(d.mailbox(Address.parse("User@Example.NL")).isPresent());
            assertEquals(Optional.of("{PLAIN}info"), d.passwordHash("info@example.nl"));
            // a hash made by the real doveadm pw verifies through the directory's password_query
            String stored = d.passwordHash("USER@example.nl").orElseThrow();
            assertTrue(org.postern.directory.password.Passwords.verify(stored, "secret".toCharArray(), "SHA512-CRYPT"), stored);
            assertFalse(org.postern.directory.password.Passwords.verify(stored, "wrong".toCharArray(), "SHA512-CRYPT"));

            var team = d.resolve(Address.parse("team@example.nl"));
            assertEquals(List.of("user@example.nl", "info@example.nl", "boss@example2.nl"), DirectoryContract.keys(team));
            assertEquals(List.of("friend@elsewhere.example"), DirectoryContract.forwards(team));
            assertEquals(List.of("user@example.nl"), DirectoryContract.keys(d.resolve(Address.parse("postmaster@example.nl"))));
            assertEquals(List.of("boss@example2.nl"), DirectoryContract.keys(d.resolve(Address.parse("anyone@example2.nl"))));
            assertEquals(List.of("user@example.nl"), DirectoryContract.keys(d.resolve(Address.parse("user+tag@example.nl"))));
            assertFalse(d.resolve(Address.parse("nobody@example.nl")).exists());

            assertEquals(3, d.users(null).size());
            assertEquals(List.of("@example2.nl", "postmaster@example.nl", "team@example.nl"),
                    d.aliases(null).stream().map(DirectoryAdmin.AliasEntry::source).toList());

            for (Runnable write : List.<Runnable>of(
                    () -> d.addDomain("new.example"),
                    () -> d.addUser(Address.parse("new@example.nl"), "{PLAIN}x", null),
                    () -> d.addAlias("sales@example.nl", List.of("user@example.nl")),
                    () -> d.removeUser(Address.parse("info@example.nl")),
                    () -> d.setPasswordHash(Address.parse("info@example.nl"), "{PLAIN}y"))) {
                AdminException e = assertThrows(AdminException.class, write::run);
                assertEquals(AdminException.Kind.READ_ONLY, e.kind());
                assertTrue(e.getMessage().contains("the database user may only read (SELECT); the directory jdbc:"), e.getMessage());
                assertTrue(e.getMessage().endsWith("is read-only"), e.getMessage());
            }
            assertTrue(d.mailbox(Address.parse("info@example.nl")).isPresent());
        }
        assertEquals(before, tables(db), "a foreign schema is never altered");
    }

    @Test
    default void adminWritesWorkWithAReadWriteUser() {
        String db = fill();
        try (SqlDirectory d = openForeign(readWriteUser(db, db + "_mailctl"))) {
            d.addUser(Address.parse("new@example.nl"), "{PLAIN}new", null);
            assertTrue(d.mailbox(Address.parse("new@example.nl")).isPresent());
            assertEquals(AdminException.Kind.INVALID,
                    assertThrows(AdminException.class, () -> d.addUser(Address.parse("q@example.nl"), "{PLAIN}q", 1024L)).kind());
            assertEquals(AdminException.Kind.INVALID,
                    assertThrows(AdminException.class, () -> d.setEnabled(Address.parse("new@example.nl"), false)).kind());
            d.addAlias("sales@example.nl", List.of("new@example.nl", "user@example.nl"));
            assertEquals(List.of("new@example.nl", "user@example.nl"),
                    DirectoryContract.keys(d.resolve(Address.parse("sales@example.nl"))));
            d.addDomain("example3.nl");
            assertEquals(AdminException.Kind.NOT_EMPTY,
                    assertThrows(AdminException.class, () -> d.removeDomain("example.nl", false)).kind());
            assertEquals(new DirectoryAdmin.Removal(1, 1), d.removeDomain("example2.nl", true));
            assertFalse(d.isLocalDomain("example2.nl"));
        }
    }

    @Test
    default void customQueriesAreParameters() {
        String db = fill();
        Map<Setting<?>, String> s = new HashMap<>(selectOnlyUser(db, db + "_custom"));
        // Postfix-style %u / %d split, and a key that would break naive concatenation
        s.put(DirectorySettings.MAILBOX_QUERY,
                "SELECT 1 FROM virtual_users u JOIN virtual_domains d ON d.id = u.domain_id WHERE u.email = CONCAT('%u', '@', d.name) AND d.name = '%d'");
        try (SqlDirectory d = openForeign(s)) {
            assertTrue(d.mailbox(Address.parse("user@example.nl")).isPresent());
            assertFalse(d.mailbox(Address.parse("\"x' OR '1'='1\"@example.nl")).isPresent());
            assertFalse(d.isLocalDomain("x' OR '1'='1"));
        }
    }
}
