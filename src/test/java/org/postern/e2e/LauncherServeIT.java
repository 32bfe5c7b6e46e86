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

    /** Starts the launcher, waits for the greeting, stops it with SIGTERM; returns its output. */
    private static String serveOnce(PosternProcess p, Path log) throws Exception {
        Process proc = new ProcessBuilder(launcher().toString(), "serve", "--config", p.configFile().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            SmtpClient.awaitGreeting("127.0.0.1", p.smtpPort(), Duration.ofSeconds(240));
        } finally {
            proc.destroy(); // SIGTERM
            assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "stopped within 60 s of SIGTERM");
        }
        return read(log);
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
}
