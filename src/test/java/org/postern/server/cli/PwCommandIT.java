package org.postern.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.postern.testkit.Peers;
import org.postern.testkit.PosternProcess;

/**
 * The packaged {@code postern pw} as a real process, against the real {@code doveadm pw}: the password
 * travels through a pipe on standard input, hashes cross both ways, and the default (pre-config)
 * logging writes its warnings to standard error without the password.
 */
@Tag("peers")
class PwCommandIT {
    @TempDir
    static Path dir;
    static Path doveadm;
    static Path dovecotConf;
    static Path conf;

    @BeforeAll
    static void setUp() throws IOException {
        doveadm = Peers.require("doveadm");
        dovecotConf = dir.resolve("dovecot.conf");
        Files.writeString(dovecotConf, "ssl = no\n");
        conf = dir.resolve("postern.toml");
        Files.writeString(conf, "[directory]\ndefault_pass_scheme = \"SHA512-CRYPT\"\n");
    }

    record Result(int exit, String out, String err) {
    }

    static Result run(String stdin, List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Result(p.exitValue(), out.strip(), err.get());
    }

    static Result postern(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", PosternProcess.jar().toString(), "pw", "-c", conf.toString()));
        cmd.addAll(List.of(args));
        return run(stdin, cmd);
    }

    static Result doveadm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(doveadm.toString(), "-c", dovecotConf.toString(), "pw"));
        cmd.addAll(List.of(args));
        return run(null, cmd);
    }

    @Test
    void posternHashesVerifyWithDoveadm() throws Exception {
        for (String scheme : List.of("ARGON2ID", "SHA512-CRYPT", "BLF-CRYPT", "PBKDF2", "SSHA512")) {
            Result r = postern("Tr0ub4dor & 3\n", "-s", scheme);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("{" + scheme + "}"), r.out());
            Result d = doveadm("-t", r.out(), "-p", "Tr0ub4dor & 3");
            assertEquals(0, d.exit(), d.out() + d.err());
            assertTrue(d.out().endsWith("(verified)"), d.out());
        }
    }

    @Test
    void doveadmHashesVerifyWithPosternPwT() throws Exception {
        Result d = doveadm("-s", "SHA512-CRYPT", "-p", "correct horse");
        assertEquals(0, d.exit(), d.err());
        Result ok = postern("correct horse\n", "-t", d.out());
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(d.out() + " (verified)", ok.out());

        // stored without prefix: the config's default_pass_scheme applies
        String bare = d.out().substring(d.out().indexOf('}') + 1);
        assertEquals(0, postern("correct horse\n", "-t", bare).exit());

        Result bad = postern("wrong horse\n", "-t", d.out());
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("postern: password mismatch"), bad.err());
    }

    @Test
    void warningsGoToStandardErrorWithoutThePassword() throws Exception {
        Result r = postern("plain-Secret-77\n", "-t", "{PLAIN}plain-Secret-77");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().matches("(?s)[A-Z][a-z]{2} \\d{2} \\d{2}:\\d{2}:\\d{2} \\S+ postern/directory\\[\\d+\\]: warning: "
                + "password verified with weak scheme PLAIN.*"), r.err());
        assertFalse(r.err().contains("plain-Secret-77"), r.err());
    }

    /** On a terminal (a pty made by util-linux's script) the password is prompted for twice, without echo. */
    @Test
    void promptsTwiceOnATerminal() throws Exception {
        Path script = Peers.require("script");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = java + " --enable-native-access=ALL-UNNAMED -jar " + PosternProcess.jar() + " pw -s SSHA512 -c " + conf;
        for (boolean same : new boolean[] {true, false}) {
            Process p = new ProcessBuilder(script.toString(), "-qec", command, "/dev/null").redirectErrorStream(true).start();
            var in = p.getInputStream();
            var out = p.getOutputStream();
            StringBuilder seen = new StringBuilder();
            readUntil(in, seen, "Enter new password: ");
            out.write("pw-Zq9!x\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readUntil(in, seen, "Retype new password: ");
            out.write((same ? "pw-Zq9!x\n" : "pw-Zq9!y\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            seen.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String text = seen.toString();
            assertFalse(text.contains("pw-Zq9!"), "no echo: " + text);
            if (same) {
                assertEquals(0, p.exitValue(), text);
                String hash = text.substring(text.indexOf("{SSHA512}")).strip();
                assertTrue(org.postern.directory.password.Passwords.verify(hash, "pw-Zq9!x".toCharArray(), "PLAIN"), hash);
            } else {
                assertEquals(1, p.exitValue(), text);
                assertTrue(text.contains("postern: passwords don't match"), text);
            }
        }
    }

    private static void readUntil(java.io.InputStream in, StringBuilder seen, String marker) throws IOException {
        while (!seen.toString().contains(marker)) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("end of output before '" + marker + "': " + seen);
            }
            seen.append((char) c);
        }
    }
}
