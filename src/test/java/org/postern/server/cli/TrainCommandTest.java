package org.postern.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postern.server.Main;

/**
 * {@code postern aot-train} (the launcher's training run for the JVM's ahead-of-time cache), in its
 * own JVM as the launcher runs it: it must deliver every message it sends over real sockets, fail
 * loudly when a session fails, and leave nothing behind.
 */
class TrainCommandTest {
    @TempDir
    Path dir;

    private record Result(int exit, String output) {
    }

    private Result train(String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "aot-train"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(180)
    void deliversEveryMessageItSendsAndRemovesItsDirectory() throws Exception {
        Path scratch = dir.resolve("train");
        Result r = train("--messages", "120", "--sessions", "3", scratch.toString());
        assertEquals(0, r.exit(), r.output());
        // 120 over SMTP (3 sessions, one with STARTTLS) and 300 over LMTP, all in the Maildir
        assertTrue(r.output().contains("aot-train: 420 messages delivered"), r.output());
        assertFalse(Files.exists(scratch), "scratch directory removed");
    }

    @Test
    void refusesAnExistingDirectory() throws Exception {
        Result r = train(dir.toString());
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("already exists"), r.output());
        assertTrue(Files.isDirectory(dir));
    }
}
