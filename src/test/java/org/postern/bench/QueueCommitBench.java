package org.postern.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.smtp.queue.DurableQueue;
import org.postern.smtp.queue.QueueConfig;
import org.postern.smtp.queue.QueueSink;

/**
 * Queue commit benchmark: N concurrent "sessions" each commit messages of a given size (body
 * written, envelope appended, file fsynced, renamed, directory fsynced) — with group commit and
 * with one directory fsync per message. Prints commits/s, latency percentiles and how many
 * directory fsyncs covered how many commits. Nothing is delivered (the scheduler is not started).
 *
 * <p>Usage: QueueCommitBench DIR MESSAGES_PER_SESSION SIZE SESSIONS[,SESSIONS...]
 */
public final class QueueCommitBench {
    private QueueCommitBench() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : "target/bench-queue");
        int perSession = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        int[] sessions = Arrays.stream((args.length > 3 ? args[3] : "1,20,100").split(",")).mapToInt(Integer::parseInt).toArray();
        byte[] body = message(size);
        System.out.printf(Locale.ROOT, "queue commit benchmark: %d-byte messages, %d per session, directory %s%n", size, perSession, base);
        System.out.printf(Locale.ROOT, "%-8s %8s %9s %10s %8s %8s %8s %14s%n", "mode", "sessions", "commits", "commits/s",
                "p50 ms", "p99 ms", "max ms", "dir fsyncs");
        for (int s : sessions) {
            for (boolean group : new boolean[] {true, false}) {
                run(base, group, s, perSession, body);
            }
        }
    }

    private static void run(Path base, boolean group, int sessions, int perSession, byte[] body) throws Exception {
        Path dir = base.resolve((group ? "group-" : "single-") + sessions);
        deleteTree(dir);
        QueueConfig cfg = QueueConfig.defaults("bench.example").withGroupCommit(group);
        Envelope env = new Envelope(Address.parse("sender@remote.example"), List.of(Envelope.Recipient.of(Address.parse("user@bench.example"))),
                null, null, "8BITMIME", false, new Envelope.Client(InetAddress.getLoopbackAddress(), "localhost", "bench", "ESMTP", null, null),
                Instant.now(), false);
        try (DurableQueue q = DurableQueue.open(dir, cfg, Map.of(), d -> true)) {
            List<long[]> lat = new ArrayList<>();
            long t0 = System.nanoTime();
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<long[]>> fs = new ArrayList<>();
                for (int i = 0; i < sessions; i++) {
                    fs.add(ex.submit(() -> {
                        long[] l = new long[perSession];
                        for (int k = 0; k < perSession; k++) {
                            long a = System.nanoTime();
                            try (QueueSink.Incoming in = q.begin()) {
                                in.body().write(body);
                                in.commit(env);
                            }
                            l[k] = System.nanoTime() - a;
                        }
                        return l;
                    }));
                }
                for (Future<long[]> f : fs) {
                    lat.add(f.get());
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            long[] counts = q.fsyncCounts();
            System.out.printf(Locale.ROOT, "%-8s %8d %9d %10.0f %8.2f %8.2f %8.2f %14s%n", group ? "group" : "single", sessions, all.length,
                    all.length / secs, all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6, all[all.length - 1] / 1e6,
                    counts[0] + "/" + counts[1]);
        }
        deleteTree(dir);
    }

    static byte[] message(int size) {
        StringBuilder sb = new StringBuilder("From: sender@remote.example\r\nTo: user@bench.example\r\nSubject: bench\r\n"
                + "Message-ID: <bench@remote.example>\r\n\r\n");
        while (sb.length() < size) {
            sb.append("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n");
        }
        return sb.substring(0, size).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
