package org.postern.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.directory.ForeignSchemaContract;
import org.postern.directory.password.Passwords;
import org.postern.server.Main;
import org.postern.testkit.MariaDbServer;
import org.slf4j.LoggerFactory;

/** {@code postern domain|user|alias|lookup} run in-process through {@link Main#run} against a temp config. */
class DirectoryCommandsTest {
    @TempDir
    Path tmp;
    Path conf;

    record Result(int exit, String out, String err) {
    }

    private static Level saved;

    @BeforeAll
    static void quietDirectoryLog() {
        // the admin audit lines go to the test console (stdout), which these tests capture
        Logger l = (Logger) LoggerFactory.getLogger("directory");
        saved = l.getLevel();
        l.setLevel(Level.WARN);
    }

    @AfterAll
    static void restoreLog() {
        ((Logger) LoggerFactory.getLogger("directory")).setLevel(saved);
    }

    @BeforeEach
    void config() throws Exception {
        conf = tmp.resolve("postern.toml");
        Files.writeString(conf, """
                [server]
                data_directory = "data"

                [directory]
                url = "jdbc:sqlite:directory.db"
                pass_scheme = "SHA512-CRYPT"
                """);
    }

    static synchronized Result run(String stdin, String... args) {
        PrintStream out0 = System.out;
        PrintStream err0 = System.err;
        InputStream in0 = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out0);
            System.setErr(err0);
            System.setIn(in0);
        }
    }

    Result cli(String... args) {
        return cliIn(null, args);
    }

    Result cliIn(String stdin, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = conf.toString();
        return run(stdin, all);
    }

    static void ok(Result r) {
        assertEquals(0, r.exit(), () -> "stdout: " + r.out() + "\nstderr: " + r.err());
    }

    static void fails(Result r, String message) {
        assertEquals(1, r.exit(), () -> "stdout: " + r.out() + "\nstderr: " + r.err());
        assertEquals("postern: " + message, r.err().strip());
    }

    @Test
    void domainsUsersAliasesAndLookup() {
        ok(cli("domain", "add", "example.org"));
        assertTrue(Files.exists(tmp.resolve("data/directory.db")), "the SQLite file lives in the data directory");
        ok(cli("domain", "add", "Bücher.example"));
        fails(cli("domain", "add", "example.org"), "domain example.org already exists");
        assertEquals("{\"domains\":[{\"domain\":\"example.org\",\"users\":0,\"aliases\":0},"
                + "{\"domain\":\"xn--bcher-kva.example\",\"users\":0,\"aliases\":0}]}", cli("domain", "list", "--json").out().strip());

        fails(cliIn("pw\n", "user", "add", "bob@nowhere.example", "--password-stdin"),
                "domain nowhere.example is not a local domain (add it first: postern domain add nowhere.example)");
        Result add = cliIn("s3cret\n", "user", "add", "Bob@example.org", "--password-stdin", "--quota", "1G", "--json");
        ok(add);
        assertEquals("{\"user\":\"bob@example.org\",\"added\":true,\"quota_bytes\":1073741824}", add.out().strip());
        assertFalse(add.out().contains("s3cret") || add.err().contains("s3cret"));
        fails(cliIn("x\n", "user", "add", "bob@example.org", "--password-stdin"), "user bob@example.org already exists");

        Result visible = cli("user", "add", "carol@example.org", "--password", "c4rol");
        ok(visible);
        assertTrue(visible.err().contains("warning: a password given with --password is visible"), visible.err());
        assertEquals("bob@example.org\tquota 1073741824\ncarol@example.org", cli("user", "list", "example.org").out().strip());

        ok(cli("alias", "add", "sales@example.org", "bob@example.org,carol@example.org", "dave@remote.example"));
        fails(cli("alias", "add", "sales@example.org", "bob@example.org"),
                "alias sales@example.org already exists (-> bob@example.org, carol@example.org, dave@remote.example); remove it first to change it");
        ok(cli("alias", "add", "@example.org", "bob@example.org"));
        assertEquals("@example.org -> bob@example.org\nsales@example.org -> bob@example.org, carol@example.org, dave@remote.example",
                cli("alias", "list", "example.org").out().strip());

        Result sales = cli("lookup", "Sales@Example.org");
        ok(sales);
        assertTrue(sales.out().contains("mailbox: bob@example.org\nmailbox: carol@example.org\nforward: dave@remote.example"), sales.out());
        Result json = cli("lookup", "sales@example.org", "--json");
        ok(json);
        assertTrue(json.out().startsWith("{\"address\":\"sales@example.org\",\"exists\":true,\"mailboxes\":[{\"mailbox\":\"bob@example.org\",\"quota_bytes\":1073741824}"), json.out());

        ok(cli("lookup", "anybody@example.org")); // the catch-all
        Result dom = cli("lookup", "BÜCHER.example");
        assertEquals(new Result(0, "xn--bcher-kva.example: local domain\n", ""), dom);
        assertEquals("{\"domain\":\"other.example\",\"exists\":false}", cli("lookup", "other.example", "--json").out().strip());
        assertEquals(1, cli("lookup", "other.example").exit());
        Result remote = cli("lookup", "x@remote.example");
        assertEquals(1, remote.exit());
        assertTrue(remote.out().contains("x@remote.example: not found: domain remote.example is not a local domain"), remote.out());

        fails(cli("domain", "remove", "example.org"), "domain example.org still has 2 users and 2 aliases (use --force to remove them with it)");
        ok(cli("alias", "remove", "@example.org"));
        Result nobody = cli("lookup", "nobody@example.org");
        assertEquals(1, nobody.exit());
        assertTrue(nobody.out().contains("nobody@example.org: not found: nobody@example.org: no mailbox or alias for nobody@example.org"), nobody.out());

        ok(cli("user", "disable", "carol@example.org"));
        assertEquals("bob@example.org\tquota 1073741824\ncarol@example.org\tdisabled", cli("user", "list").out().strip());
        assertEquals(1, cli("lookup", "carol@example.org").exit());
        ok(cli("user", "enable", "carol@example.org"));
        ok(cli("lookup", "carol@example.org"));
        ok(cli("user", "remove", "carol@example.org"));
        fails(cli("user", "remove", "carol@example.org"), "no such user: carol@example.org");
        ok(cli("domain", "remove", "example.org", "--force"));
        assertEquals("xn--bcher-kva.example\t0 users\t0 aliases", cli("domain", "list").out().strip());
    }

    @Test
    void passwordsAreHashedWithTheConfiguredScheme() throws Exception {
        ok(cli("domain", "add", "example.org"));
        ok(cliIn("first\n", "user", "add", "bob@example.org", "--password-stdin"));
        ok(cliIn("second\r\n", "user", "passwd", "bob@example.org", "--password-stdin"));
        fails(cliIn("x\n", "user", "passwd", "nobody@example.org", "--password-stdin"), "no such user: nobody@example.org");
        fails(cliIn("\n", "user", "add", "empty@example.org", "--password-stdin"), "empty password");
        fails(cli("user", "add", "x@example.org"), "no terminal to ask for the password: use --password-stdin");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("data/directory.db"));
             var rs = c.createStatement().executeQuery("SELECT password FROM virtual_users WHERE email = 'bob@example.org'")) {
            rs.next();
            String hash = rs.getString(1);
            assertTrue(hash.startsWith("{SHA512-CRYPT}$6$"), hash);
            assertTrue(Passwords.verify(hash, "second".toCharArray(), "SHA512-CRYPT"));
            assertFalse(Passwords.verify(hash, "first".toCharArray(), "SHA512-CRYPT"));
        }
    }

    @Test
    void badInputIsOneLine() {
        fails(cli("user", "add", "not-an-address", "--password-stdin"), "'not-an-address' is not a valid address: missing domain");
        fails(cli("domain", "remove", "nope.example"), "no such domain: nope.example");
        fails(cli("alias", "add", "a@example.org", "b@example.org"),
                "domain example.org is not a local domain (add it first: postern domain add example.org)");
        Result missing = run(null, "domain", "list", "--config", tmp.resolve("none.toml").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().startsWith("postern: configuration file "), missing.err());
    }

    @Test
    void badDirectorySettingsAreLoadErrorsWithLineAndKey() throws Exception {
        Files.writeString(conf, """
                [directory]
                url = "jdbc:oracle:thin:@x"
                alias_query = "SELECT destination FROM virtual_aliases WHERE source='%x'"
                pass_scheme = "CRYPT"
                """);
        Result r = run(null, "config", "check", "--config", conf.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(conf + ":2: directory.url: bad value: unsupported directory URL 'jdbc:oracle:thin:@x'"), r.err());
        assertTrue(r.err().contains(conf + ":3: directory.alias_query: bad value: unknown placeholder %x (use %s, %u, %d or %%)"), r.err());
        assertTrue(r.err().contains(conf + ":4: directory.pass_scheme: bad value: 'CRYPT' cannot make new hashes"), r.err());
    }

    @Tag("peers")
    @Test
    void readOnlySeedDatabaseOnMariaDb() throws Exception {
        MariaDbServer m = MariaDbServer.get();
        String db = m.createDatabase("cli");
        m.admin(db, ForeignSchemaContract.seedStatements("seed-schema-mariadb.sql").toArray(String[]::new));
        m.admin(db, "INSERT INTO virtual_domains (name) VALUES ('example.nl')",
                "INSERT INTO virtual_users (domain_id, email, password) VALUES (1, 'user@example.nl', '" + ForeignSchemaContract.hash("pw") + "')");
        m.createSelectOnlyUser(db, db + "_ro", "ro-pw");
        Files.writeString(conf, """
                [server]
                data_directory = "data"

                [directory]
                url = "%s"
                user = "%s"
                password = "ro-pw"
                schema = "foreign"
                """.formatted(m.url(db), db + "_ro"));
        Result lookup = cli("lookup", "USER@example.nl");
        ok(lookup);
        assertTrue(lookup.out().contains("mailbox: user@example.nl"), lookup.out());
        Result add = cli("domain", "add", "new.example");
        assertEquals(1, add.exit());
        assertEquals("postern: cannot add domain new.example: the database user may only read (SELECT); the directory "
                + m.url(db) + " is read-only", add.err().strip());
        assertFalse(add.err().contains("ro-pw"));
    }
}
