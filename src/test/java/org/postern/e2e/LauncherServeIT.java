package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postern.testkit.PosternProcess;
import org.postern.testkit.SmtpClient;

/**
 * {@code ./postern serve} through the real launcher, as a user starts it: the first start after a
 * build prepares the JVM's ahead-of-time cache (a training run against a throw-away server) and
 * then serves; the next start uses the cache without training again. SIGTERM stops it cleanly.
 */
class LauncherServeIT {

    private static Path launcher() {
        return Path.of(System.getProperty("postern.basedir", ".")).toAbsolutePath().resolve("postern");
    }

    /** Starts the launcher, waits until it says it is ready, stops it with SIGTERM; returns its output. */
    private static String serveOnce(PosternProcess p, Path log) throws Exception {
        Process proc = start(p, log, false);
        try {
            awaitOutput(proc, log, "postern: started in", Duration.ofSeconds(240));
        } finally {
            stop(proc);
        }
        return read(log);
    }

    private static Process start(PosternProcess p, Path log, boolean noAot) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(launcher().toString(), "serve", "--config", p.configFile().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        if (noAot) {
            pb.environment().put("POSTERN_AOT", "0");
        }
        return pb.start();
    }

    private static void stop(Process proc) throws InterruptedException {
        proc.destroy(); // SIGTERM
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "stopped within 60 s of SIGTERM");
    }

    /** Polls the output for a line (readiness, not a fixed time); fails when the process ends first or after the bound. */
    private static void awaitOutput(Process proc, Path log, String text, Duration bound) throws Exception {
        long end = System.nanoTime() + bound.toNanos();
        while (!read(log).contains(text)) {
            assertTrue(proc.isAlive(), "ended before saying '" + text + "':\n" + read(log));
            assertTrue(System.nanoTime() < end, "no '" + text + "' within " + bound + ":\n" + read(log));
            Thread.sleep(50);
        }
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(600)
    void servesWithTheAheadOfTimeCacheMadeOncePerBuild() throws Exception {
        Path target = launcher().getParent().resolve("target");
        try (PosternProcess p = PosternProcess.init()) {
            Path first = Files.createTempFile("postern-launcher-", ".log");
            String out = serveOnce(p, first);
            assertTrue(out.contains("postern: started in"), out);
            assertTrue(out.contains("stopped"), "a clean stop logs it:\n" + out);
            assertTrue(Files.isRegularFile(target.resolve("postern.aot")), "the cache was made:\n" + out);
            assertFalse(out.contains("could not prepare"), out);

            Path second = Files.createTempFile("postern-launcher-", ".log");
            String again = serveOnce(p, second);
            assertFalse(again.contains("preparing"), "no second training for the same build:\n" + again);
            assertEquals(1, again.lines().filter(l -> l.contains("postern: started in")).count(), again);
            Files.deleteIfExists(first);
            Files.deleteIfExists(second);
        }
    }

    /**
     * A SIGTERM that arrives while the server is still starting (its SMTP listener already answers,
     * the other listeners may not be up yet) still ends in a clean, logged stop.
     */
    @Test
    @Timeout(300)
    void aSignalDuringStartUpStopsCleanly() throws Exception {
        try (PosternProcess p = PosternProcess.init()) {
            Path log = Files.createTempFile("postern-launcher-", ".log");
            Process proc = start(p, log, true);
            try {
                SmtpClient.awaitGreeting("127.0.0.1", p.smtpPort(), Duration.ofSeconds(240));
            } finally {
                stop(proc);
            }
            String out = read(log);
            assertTrue(out.contains("postern: stopping (signal received"), out);
            assertTrue(out.contains("stopped"), "a clean stop logs it:\n" + out);
            Files.deleteIfExists(log);
        }
    }
}
