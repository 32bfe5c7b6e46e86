package org.postern.bench;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.core.config.Config;
import org.postern.directory.DirectorySettings;
import org.postern.directory.SqlDirectory;
import org.postern.smtp.delivery.LocalDeliveryAgent;
import org.postern.smtp.queue.DurableQueue;
import org.postern.smtp.queue.LocalTransport;
import org.postern.smtp.queue.QueueConfig;
import org.postern.smtp.queue.QueueSink;
import org.postern.store.MaildirStore;

/**
 * Queue plus local delivery, no SMTP: SESSIONS threads commit messages to USERS mailboxes (SQLite
 * directory, Maildir store with fsync) while the scheduler delivers them; prints messages/s from
 * the first commit until the queue is empty, for group commit on and off.
 *
 * <p>Usage: QueueDeliveryBench DIR MESSAGES SIZE SESSIONS USERS
 */
public final class QueueDeliveryBench {
    private QueueDeliveryBench() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : "target/bench-delivery");
        int total = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        int sessions = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int users = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        System.out.printf(Locale.ROOT, "queue + local delivery: %d messages of %d bytes, %d sessions, %d mailboxes%n", total, size, sessions, users);
        String modes = args.length > 5 ? args[5] : "single,group,single,group";
        for (String mode : modes.split(",")) {
            boolean group = mode.equals("group");
            Path data = base.resolve(group ? "group" : "single");
            QueueCommitBench.deleteTree(data);
            Files.createDirectories(data);
            try (SqlDirectory directory = SqlDirectory.open(Config.defaults(DirectorySettings.all()), data)) {
                directory.addDomain("bench.example");
                for (int u = 0; u < users; u++) {
                    directory.addUser(Address.parse("user" + u + "@bench.example"), "{PLAIN}x", null);
                }
                MaildirStore store = new MaildirStore(data, "mail/%d/%n", "mx.bench.example");
                QueueConfig cfg = QueueConfig.defaults("mx.bench.example").withGroupCommit(group);
                try (DurableQueue q = DurableQueue.open(data.resolve("spool"), cfg,
                        Map.of("local", new LocalTransport(new LocalDeliveryAgent(directory, store))), directory::isLocalDomain)) {
                    q.start();
                    byte[] body = QueueCommitBench.message(size);
                    long t0 = System.nanoTime();
                    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                        List<Future<?>> fs = new ArrayList<>();
                        for (int s = 0; s < sessions; s++) {
                            int session = s;
                            fs.add(ex.submit(() -> {
                                for (int i = session; i < total; i += sessions) {
                                    Envelope env = new Envelope(Address.parse("sender@remote.example"),
                                            List.of(Envelope.Recipient.of(Address.parse("user" + (i % users) + "@bench.example"))), null, null,
                                            "8BITMIME", false, new Envelope.Client(InetAddress.getLoopbackAddress(), "localhost", "bench",
                                            "ESMTP", null, null), Instant.now(), false);
                                    try (QueueSink.Incoming in = q.begin()) {
                                        in.body().write(body);
                                        in.commit(env);
                                    }
                                }
                                return null;
                            }));
                        }
                        for (Future<?> f : fs) {
                            f.get();
                        }
                    }
                    double committed = (System.nanoTime() - t0) / 1e9;
                    while (q.size() > 0) {
                        Thread.sleep(5);
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "%-6s committed in %.2fs (%.0f/s), delivered all in %.2fs: %.0f messages/s%n",
                            group ? "group" : "single", committed, total / committed, secs, total / secs);
                }
            }
            QueueCommitBench.deleteTree(data);
        }
    }
}
