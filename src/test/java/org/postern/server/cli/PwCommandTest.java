package org.postern.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.directory.password.Passwords;
import org.postern.server.Main;

/** {@code postern pw} run in-process through {@link Main#run}, with standard input and output redirected. */
class PwCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** An empty config file: every setting at its default. */
    private String noConfig() {
        try {
            Path p = dir.resolve("empty.toml");
            Files.writeString(p, "");
            return p.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void hashesStandardInputWithTheDefaultScheme() throws Exception {
        Path conf = dir.resolve("postern.toml");
        Files.writeString(conf, "");
        Run r = run("s3cret pässword\n", "pw", "-c", conf.toString());
        assertEquals(0, r.exit(), r.err());
        String hash = r.out().strip();
        assertTrue(hash.startsWith("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$"), hash);
        assertTrue(Passwords.verify(hash, "s3cret pässword".toCharArray(), "PLAIN"));
    }

    @Test
    void schemeOptionAndConfiguredScheme() throws Exception {
        Path conf = dir.resolve("postern.toml");
        Files.writeString(conf, "[directory]\npass_scheme = \"SSHA512\"\n");
        Run r = run("secret\r\n", "pw", "--config", conf.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("{SSHA512}"), r.out());
        assertTrue(Passwords.verify(r.out().strip(), "secret".toCharArray(), "PLAIN"), "CR LF is not part of the password");

        r = run("secret\n", "pw", "-c", conf.toString(), "-s", "sha512-crypt");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("{SHA512-CRYPT}$6$"), r.out());
    }

    @Test
    void explicitPasswordFlag() {
        Run r = run("", "pw", "-c", noConfig(), "-s", "BLF-CRYPT", "-p", "secret");
        assertEquals(0, r.exit(), r.err());
        assertTrue(Passwords.verify(r.out().strip(), "secret".toCharArray(), "PLAIN"));
    }

    @Test
    void verifiesWithT() {
        String h = Passwords.hash("SHA256-CRYPT", "secret".toCharArray());
        Run ok = run("secret\n", "pw", "-c", noConfig(), "-t", h);
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(h + " (verified)", ok.out().strip());

        Run bad = run("wrong\n", "pw", "-c", noConfig(), "-t", h);
        assertEquals(1, bad.exit());
        assertEquals("", bad.out());
        assertTrue(bad.err().contains("postern: password mismatch"), bad.err());

        // prefix-less: -s names the scheme, like doveadm
        String bare = h.substring("{SHA256-CRYPT}".length());
        assertEquals(0, run("secret\n", "pw", "-c", noConfig(), "-s", "SHA256-CRYPT", "-t", bare).exit());
        assertEquals(1, run("secret\n", "pw", "-c", noConfig(), "-s", "PLAIN", "-t", bare).exit());
    }

    @Test
    void errorsAreOneLineAndExitOne() {
        Run r = run("secret\n", "pw", "-c", noConfig(), "-s", "PLAIN");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("postern: password scheme PLAIN is accepted for verification only"), r.err());

        r = run("secret\n", "pw", "-c", noConfig(), "-s", "NOPE");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("postern: unknown password scheme 'NOPE'"), r.err());

        r = run("\n", "pw", "-c", noConfig());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("empty password"), r.err());

        r = run("secret\n", "pw", "-c", dir.resolve("missing.toml").toString());
        assertEquals(1, r.exit(), "a config named explicitly must exist");
        assertTrue(r.err().contains("does not exist"), r.err());
    }

    @Test
    void listsSchemes() {
        Run r = run("", "pw", "-l");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("SHA512-CRYPT SHA256-CRYPT BLF-CRYPT ARGON2ID"), r.out());
        assertTrue(r.out().contains("verify only: CRYPT"), r.out());
    }
}
