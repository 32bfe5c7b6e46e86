package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.testkit.Cmd;

/** The admin CLI through the real launcher ({@code ./postern} at the repository root), as a user runs it. */
class CliIT {
    static Path base;
    static Path dir;
    static Path launcher;

    @BeforeAll
    static void init() throws Exception {
        launcher = Path.of(System.getProperty("postern.basedir", ".")).toAbsolutePath().resolve("postern");
        base = Files.createTempDirectory("postern-cli-");
        dir = base.resolve("var");
        Cmd.Result r = postern(null, "init", dir.toString(), "--hostname", "mail.test.local", "--domain", "test.local",
                "--port-offset", "20000");
        assertEquals(0, r.exit(), r.output());
    }

    @AfterAll
    static void clean() {
        Cmd.run(Duration.ofSeconds(30), List.of("rm", "-rf", base.toString()));
    }

    static Cmd.Result postern(String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        List<String> env = List.of("env", "POSTERN_CONFIG=" + base.resolve("var/postern.toml"));
        List<String> all = new ArrayList<>(env);
        all.addAll(cmd);
        return Cmd.run(Duration.ofSeconds(120), stdin, all);
    }

    @Test
    void launcherRunsWithoutRebuilding() {
        Cmd.Result r = postern(null, "--version");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().startsWith("postern "), r.output());
        assertTrue(!r.output().contains("building"), "the launcher rebuilt although mvn package just ran: " + r.output());
    }

    @Test
    void configCheckAcceptsTheInitialisedConfig() {
        Cmd.Result r = postern(null, "config", "check");
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void usersAndDomains() {
        assertEquals(0, postern("pw1\n", "user", "add", "alice@test.local", "--password-stdin").exit());
        Cmd.Result dup = postern("pw1\n", "user", "add", "alice@test.local", "--password-stdin");
        assertNotEquals(0, dup.exit(), "a duplicate user is an error");
        assertTrue(dup.output().startsWith("postern: "), dup.output());
        Cmd.Result unknownDomain = postern("pw\n", "user", "add", "bob@nowhere.example", "--password-stdin");
        assertNotEquals(0, unknownDomain.exit(), unknownDomain.output());
        assertTrue(unknownDomain.output().contains("nowhere.example"), unknownDomain.output());

        assertEquals(0, postern(null, "domain", "add", "other.example").exit());
        assertTrue(postern(null, "domain", "list").output().contains("other.example"));
        Cmd.Result users = postern(null, "user", "list");
        assertEquals(0, users.exit(), users.output());
        assertTrue(users.output().contains("alice@test.local"), users.output());
        assertTrue(!users.output().contains("pw1"), "never print passwords");
    }

    @Test
    void aliasesAndLookup() {
        assertEquals(0, postern("pw2\n", "user", "add", "carol@test.local", "--password-stdin").exit());
        Cmd.Result add = postern(null, "alias", "add", "info@test.local", "carol@test.local");
        assertEquals(0, add.exit(), add.output());
        assertTrue(postern(null, "alias", "list").output().contains("info@test.local -> carol@test.local"));

        // like postmap -q: case-insensitive, recipient delimiter, through the alias to the mailbox
        Cmd.Result l = postern(null, "lookup", "INFO+news@Test.Local");
        assertEquals(0, l.exit(), l.output());
        assertTrue(l.output().contains("mailbox: carol@test.local"), l.output());
        Cmd.Result missing = postern(null, "lookup", "nobody@test.local");
        assertEquals(1, missing.exit(), missing.output());
        assertTrue(missing.output().contains("nobody@test.local: not found"), missing.output());
        Cmd.Result foreign = postern(null, "lookup", "x@nowhere.example");
        assertEquals(1, foreign.exit(), foreign.output());
        assertTrue(foreign.output().contains("not a local domain"), foreign.output());

        assertEquals(0, postern(null, "alias", "remove", "info@test.local").exit());
        assertTrue(!postern(null, "alias", "list").output().contains("info@test.local"));
        assertEquals(1, postern(null, "lookup", "info@test.local").exit());
    }

    @Test
    void domainWithUsersIsNotRemovedWithoutForce() {
        assertEquals(0, postern(null, "domain", "add", "busy.example").exit());
        assertEquals(0, postern("pw3\n", "user", "add", "dave@busy.example", "--password-stdin").exit());
        Cmd.Result r = postern(null, "domain", "remove", "busy.example");
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("postern: domain busy.example still has 1 user"), r.output());
        assertEquals(0, postern(null, "domain", "remove", "busy.example", "--force").exit());
        assertTrue(!postern(null, "domain", "list").output().contains("busy.example"));
    }

    @Test
    void configShowListsWhatIsSet() {
        Cmd.Result r = postern(null, "config", "show");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("myhostname = \"mail.test.local\""), r.output());
        assertTrue(r.output().contains("smtp = \"*:20025\""), r.output());
        assertTrue(!r.output().contains("#"), "like postconf -n: only the settings, no comments: " + r.output());
        Cmd.Result all = postern(null, "config", "show", "--all");
        assertEquals(0, all.exit(), all.output());
        assertTrue(all.output().contains("message_size_limit"), "--all lists defaults too");
        assertTrue(all.output().length() > r.output().length());
    }

    @Test
    void brokenConfigIsNamedPrecisely() throws Exception {
        Path bad = base.resolve("bad.toml");
        Files.writeString(bad, "[smtpd]\nmessage_size_limt = \"10M\"\n");
        Cmd.Result r = Cmd.run(Duration.ofSeconds(60), List.of(launcher.toString(), "config", "check", "--config", bad.toString()));
        assertEquals(1, r.exit(), r.output());
        // like postfix check: FILE:LINE: key: what is wrong (and a did-you-mean for a near miss)
        assertTrue(r.output().contains(bad + ":2: smtpd.message_size_limt: unknown key; did you mean 'message_size_limit'?"),
                r.output());

        Path badValue = base.resolve("bad-value.toml");
        Files.writeString(badValue, "[server]\nmyhostname = \"mail.test.local\"\n\n[smtpd]\nmessage_size_limit = \"ten\"\n");
        Cmd.Result v = Cmd.run(Duration.ofSeconds(60),
                List.of("env", "POSTERN_CONFIG=" + badValue, launcher.toString(), "config", "check"));
        assertEquals(1, v.exit(), v.output());
        assertTrue(v.output().contains(badValue + ":5: smtpd.message_size_limit: bad value"), v.output());

        Path badToml = base.resolve("bad-syntax.toml");
        Files.writeString(badToml, "[server]\nmyhostname = \"unterminated\n");
        Cmd.Result t = Cmd.run(Duration.ofSeconds(60), List.of(launcher.toString(), "config", "check", "--config", badToml.toString()));
        assertEquals(1, t.exit(), t.output());
        assertTrue(t.output().contains(badToml + ":2"), t.output());
    }
}
