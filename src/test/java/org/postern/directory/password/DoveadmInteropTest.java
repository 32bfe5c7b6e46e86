package org.postern.directory.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postern.testkit.Peers;

/**
 * Interoperability both ways with the real {@code doveadm pw} (Debian dovecot-core): hashes it makes
 * verify here, and hashes made here verify with {@code doveadm pw -t}. doveadm runs with a minimal
 * private config ({@code -c}), so the system's /etc/dovecot does not matter.
 */
@Tag("peers")
class DoveadmInteropTest {
    @TempDir
    static Path dir;
    static Path doveadm;
    static Path conf;

    @BeforeAll
    static void setUp() throws IOException {
        doveadm = Peers.require("doveadm");
        conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, "ssl = no\n");
    }

    record Result(int exit, String out) {
    }

    static Result doveadm(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(doveadm.toString(), "-c", conf.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "doveadm timed out");
        return new Result(p.exitValue(), out);
    }

    /** Every scheme doveadm can make that Postern verifies (aliases and encodings included). */
    static List<String> doveadmSchemes() {
        return List.of("SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "ARGON2ID", "ARGON2I", "PBKDF2",
                "SSHA512", "SSHA256", "SSHA", "CRYPT", "DES-CRYPT", "MD5-CRYPT", "MD5", "SMD5",
                "SHA", "SHA1", "SHA256", "SHA512", "PLAIN-MD5", "LDAP-MD5", "PLAIN", "CLEAR", "CLEARTEXT",
                "SSHA512.b64", "SSHA512.hex", "SSHA256.hex", "SSHA.hex", "PLAIN.b64", "SHA256.hex");
    }

    @ParameterizedTest
    @MethodSource("doveadmSchemes")
    void doveadmHashesVerifyInPostern(String scheme) throws Exception {
        for (String pw : List.of("secret", "pässwörd 日本 \uD83D\uDE00 with spaces")) {
            Result r = doveadm("pw", "-s", scheme, "-p", pw);
            assertEquals(0, r.exit(), r.out());
            String stored = r.out();
            assertTrue(stored.startsWith("{"), stored);
            assertTrue(Passwords.verify(stored, pw.toCharArray(), "PLAIN"), stored);
            assertFalse(Passwords.verify(stored, ("x" + pw).toCharArray(), "PLAIN"), stored); // DES reads 8 bytes only
            assertFalse(Passwords.verify(stored, pw.substring(1).toCharArray(), "PLAIN"), stored);
            // the same hash stored without its prefix, with the scheme as the configured default
            String bare = stored.substring(stored.indexOf('}') + 1);
            assertTrue(Passwords.verify(bare, pw.toCharArray(), scheme), scheme + " prefix-less");
        }
    }

    @ParameterizedTest
    @MethodSource("org.postern.directory.password.PasswordsTest#hashable")
    void posternHashesVerifyWithDoveadm(String scheme) throws Exception {
        for (String pw : List.of("secret", "pässwörd 日本 \uD83D\uDE00 with spaces")) {
            String h = Passwords.hash(scheme, pw.toCharArray());
            Result ok = doveadm("pw", "-t", h, "-p", pw);
            assertEquals(0, ok.exit(), h + " -> " + ok.out());
            assertTrue(ok.out().contains("(verified)"), ok.out());
            Result bad = doveadm("pw", "-t", h, "-p", pw + "x");
            assertNotEquals(0, bad.exit(), h + " -> " + bad.out());
        }
    }

    @Test
    void encodedVariantsVerifyWithDoveadm() throws Exception {
        for (String scheme : List.of("SSHA512.HEX", "SSHA256.B64", "SSHA.hex")) {
            String h = Passwords.hash(scheme, "secret".toCharArray());
            Result ok = doveadm("pw", "-t", h, "-p", "secret");
            assertEquals(0, ok.exit(), h + " -> " + ok.out());
        }
    }

    @Test
    void longBcryptPasswordsBehaveLikeDovecot() throws Exception {
        // bcrypt reads at most 72 bytes; both sides must agree on that
        String pw = "x".repeat(100);
        Result r = doveadm("pw", "-s", "BLF-CRYPT", "-p", pw);
        assertEquals(0, r.exit(), r.out());
        assertTrue(Passwords.verify(r.out(), pw.toCharArray(), "PLAIN"));
        assertEquals(0, doveadm("pw", "-t", Passwords.hash("BLF-CRYPT", pw.toCharArray()), "-p", pw).exit());
    }
}
