package org.postern.smtp.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.config.Config;
import org.postern.net.Listener;
import org.postern.server.config.AllSettings;
import org.postern.smtp.queue.DurableQueue;
import org.postern.smtp.queue.QueueConfig;
import org.postern.testkit.Peers;

/**
 * Postfix's smtp-source (pipelining SMTP client) against the session engine writing into the real
 * durable queue (fsync before every 250); the scheduler is not started, so every accepted message
 * must be found in the queue afterwards.
 */
class SmtpIntoQueueTest {

    @TempDir
    Path dir;

    /** The session alone (a queue without fsync): how much of the time is SMTP. */
    @Test
    void smtpSourceIntoMemoryFastQueue() throws Exception {
        Path source = Peers.require("smtp-source");
        Config c = Config.defaults(AllSettings.list());
        TestQueue queue = new TestQueue(java.nio.file.Files.createDirectories(dir.resolve("q")));
        ch.qos.logback.classic.Logger smtpd = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("smtpd");
        ch.qos.logback.classic.Level before = smtpd.getLevel();
        smtpd.setLevel(ch.qos.logback.classic.Level.WARN); // console output in the test runner would dominate
        SmtpServer server = new SmtpServer(SmtpServerConfig.from(c, "smtp", "mx.test.local"), new TestPolicy(), queue, null);
        Listener l = new Listener(SmtpServer.listenerOptions(c, "smtp", new InetSocketAddress("127.0.0.1", 0), null, ip -> true),
                server).start();
        try {
            int messages = 2000;
            for (int round = 1; round <= 2; round++) { // the first round warms up the JIT
                queue.committed.clear();
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(source.toString(), "-s", "20", "-m", String.valueOf(messages), "-l", "4096",
                        "-f", "a@example.org", "-t", "u@test.local", "127.0.0.1:" + l.port()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(300, TimeUnit.SECONDS));
                double secs = (System.nanoTime() - t0) / 1e9;
                assertEquals(0, p.exitValue(), out);
                assertEquals(messages, queue.committed.size(), out);
                System.out.printf("round %d: smtp-source -s 20 -m %d -l 4096, session only (no fsync): %.2fs, %.0f msg/s%n",
                        round, messages, secs, messages / secs);
            }
        } finally {
            l.stop(Duration.ofSeconds(2));
            smtpd.setLevel(before);
        }
    }

    @Test
    void smtpSourceIntoDurableQueue() throws Exception {
        Path source = Peers.require("smtp-source");
        Config c = Config.defaults(AllSettings.list());
        try (DurableQueue queue = DurableQueue.open(dir.resolve("queue"), QueueConfig.defaults("mx.test.local"), Map.of(), d -> true)) {
            SmtpServerConfig cfg = SmtpServerConfig.from(c, "smtp", "mx.test.local");
            SmtpServer server = new SmtpServer(cfg, new TestPolicy(), queue, null);
            Listener l = new Listener(SmtpServer.listenerOptions(c, "smtp", new InetSocketAddress("127.0.0.1", 0), null, ip -> true),
                    server).start();
            try {
                int messages = 1000;
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(source.toString(), "-s", "20", "-m", String.valueOf(messages), "-l", "4096",
                        "-f", "a@example.org", "-t", "u@test.local", "127.0.0.1:" + l.port()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(300, TimeUnit.SECONDS));
                double secs = (System.nanoTime() - t0) / 1e9;
                assertEquals(0, p.exitValue(), out);
                assertEquals(messages, queue.size(), out);
                System.out.printf("smtp-source -s 20 -m %d -l 4096 into the durable queue: %.2fs, %.0f msg/s%n",
                        messages, secs, messages / secs);
            } finally {
                l.stop(Duration.ofSeconds(2));
            }
        }
    }
}
