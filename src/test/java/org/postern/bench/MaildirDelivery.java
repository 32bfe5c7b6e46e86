package org.postern.bench;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.store.MailStore;
import org.postern.store.MaildirStore;

/**
 * Maildir delivery throughput of {@link MaildirStore} with fsync (file, new/ directory, UID list):
 * N messages of SIZE bytes from THREADS threads, first all into one mailbox (group commit at
 * work), then spread over THREADS mailboxes. Prints messages/second for each.
 *
 * <p>Run with bench/maildir-delivery.sh [MESSAGES] [THREADS] [SIZE] [DIR].
 */
public final class MaildirDelivery {
    private MaildirDelivery() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        Path base = args.length > 3 ? Path.of(args[3]) : Path.of(System.getProperty("java.io.tmpdir"));
        byte[] body = message(size);
        MessageSource src = new MessageSource() {
            public InputStream open() {
                return new ByteArrayInputStream(body);
            }

            public long size() {
                return body.length;
            }
        };
        System.out.printf("maildir delivery: %d messages of %d bytes, %d threads, fsync on, under %s%n", messages, size, threads, base);
        run("warm-up, 1 mailbox", base, Math.min(2000, messages), threads, 1, src);
        run("1 mailbox", base, messages, threads, 1, src);
        run(threads + " mailboxes", base, messages, threads, threads, src);
    }

    static void run(String label, Path base, int messages, int threads, int mailboxes, MessageSource src) throws Exception {
        Path data = Files.createTempDirectory(base, "postern-bench-");
        try {
            MaildirStore store = new MaildirStore(data, "mail/%d/%n", "bench.example.org");
            List<Address> to = new ArrayList<>();
            for (int i = 0; i < mailboxes; i++) {
                to.add(Address.parse("user" + i + "@example.org"));
            }
            AtomicInteger next = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            try (ExecutorService ex = Executors.newFixedThreadPool(threads, Thread.ofVirtual().factory())) {
                for (int t = 0; t < threads; t++) {
                    fs.add(ex.submit(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < messages) {
                            Address a = to.get(i % to.size());
                            MailStore.Result r = store.deliver(new MailStore.Request(a, null, "sender@example.com", a, null, src));
                            if (!r.delivered()) {
                                failed.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%-20s %8.0f messages/s  (%d in %.2f s, %d failed)%n", label, messages / secs, messages, secs, failed.get());
        } finally {
            try (Stream<Path> w = Files.walk(data)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static byte[] message(int size) {
        StringBuilder sb = new StringBuilder("From: sender@example.com\r\nTo: user@example.org\r\nSubject: bench\r\n\r\n");
        while (sb.length() < size - 2) {
            int n = Math.min(76, size - 2 - sb.length());
            sb.append("x".repeat(n)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
