package org.postern.smtp.queue;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Child process of {@link QueueCrashTest}: commits messages from several threads as fast as it
 * can and prints each queue id only after commit returned (what a session would answer 250 on),
 * while the scheduler defers and retries half of them (state files written, files moved).
 * The parent kills it with SIGKILL at a random moment.
 */
public final class QueueCrashChild {
    private QueueCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        QueueConfig cfg = QueueConfig.defaults("mx.ours.example").withTimes(Duration.ofMillis(20), Duration.ofMillis(40),
                Duration.ofMillis(10), Duration.ofDays(5), Duration.ofDays(5), Duration.ZERO);
        FakeLocalDelivery local = new FakeLocalDelivery();
        DurableQueue q = DurableQueue.open(dir, cfg, Map.of("local", new LocalTransport(local)), d -> d.equals("ours.example"));
        q.start();
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        out.println("READY");
        for (int t = 0; t < 8; t++) {
            int thread = t;
            Thread.ofVirtual().start(() -> {
                for (int i = 0; ; i++) {
                    String rcpt = (i % 2 == 0 ? "far" + i + "@remote.example" : "u" + i + "@ours.example");
                    try {
                        String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", rcpt, "x@remote.example"),
                                QueueTestSupport.message("t" + thread + "-" + i, "y".repeat(i % 3000)));
                        synchronized (out) {
                            out.println("C " + id);
                        }
                    } catch (Exception e) {
                        synchronized (out) {
                            out.println("E " + e);
                        }
                    }
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
