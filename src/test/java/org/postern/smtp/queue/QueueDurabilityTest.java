package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Envelope;
import org.postern.core.Reply;

class QueueDurabilityTest {
    @TempDir
    Path dir;

    private DurableQueue open(boolean group) throws IOException {
        return DurableQueue.open(dir, QueueConfig.defaults("mx.ours.example").withGroupCommit(group), Map.of(), d -> true);
    }

    @Test
    void everyCommittedMessageIsFoundByANewInstance() throws Exception {
        Map<String, Integer> committed = new ConcurrentHashMap<>();
        try (DurableQueue q = open(true)) {
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int thread = t;
                    fs.add(ex.submit(() -> {
                        for (int i = 0; i < 25; i++) {
                            String text = QueueTestSupport.message("m" + thread + "-" + i, "x".repeat(thread * 100 + i));
                            String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example",
                                    "u" + thread + "@ours.example", "v" + i + "@ours.example"), text);
                            committed.put(id, text.getBytes(StandardCharsets.UTF_8).length);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            }
            assertEquals(400, committed.size(), "ids are unique");
            long[] counts = q.fsyncCounts();
            assertTrue(counts[0] <= counts[1], "group commit never does more fsyncs than requests: " + counts[0] + "/" + counts[1]);
        }
        try (DurableQueue q2 = open(true)) {
            Map<String, QueueAdmin.Entry> found = q2.list().stream().collect(Collectors.toMap(QueueAdmin.Entry::id, e -> e));
            assertEquals(committed.keySet(), found.keySet());
            for (var e : committed.entrySet()) {
                QueueAdmin.Entry en = found.get(e.getKey());
                assertEquals(e.getValue().longValue(), en.size());
                assertEquals(2, en.recipients().size());
                assertEquals("s@remote.example", en.sender());
            }
            List<String> ids = q2.list().stream().map(QueueAdmin.Entry::id).toList();
            assertEquals(ids.stream().sorted().toList(), ids, "listed in id (arrival) order");
        }
    }

    @Test
    void withoutGroupCommitToo() throws Exception {
        String id;
        try (DurableQueue q = open(false)) {
            id = QueueTestSupport.commit(q, QueueTestSupport.envelope(null, "a@ours.example"), QueueTestSupport.message("s", "b"));
        }
        try (DurableQueue q2 = open(false)) {
            QueueAdmin.Details d = q2.show(id).orElseThrow();
            assertEquals(null, d.envelope().sender());
            assertEquals("<" + "s".hashCode() + "@remote.example>", d.messageId());
            assertEquals("s", Headers.value(d.headers(), "subject"));
        }
    }

    @Test
    void envelopeRoundTripsEveryField() throws Exception {
        Envelope env = new Envelope(org.postern.core.Address.parse("\"odd sender\"@remote.example"),
                List.of(new Envelope.Recipient(org.postern.core.Address.parse("ü@ours.example"),
                        Set.of(Envelope.Notify.SUCCESS, Envelope.Notify.DELAY), "rfc822;x+2B@ours.example")),
                "HDRS", "id with space%", "8BITMIME", true,
                new Envelope.Client(java.net.InetAddress.getByName("::1"), null, "helo\u0001", "ESMTPS", "TLSv1.3 x", "bob"),
                java.time.Instant.ofEpochMilli(1_700_000_000_123L), false);
        String id;
        try (DurableQueue q = open(true)) {
            id = QueueTestSupport.commit(q, env, "Subject: x\r\n\r\nbody\r\n");
        }
        try (DurableQueue q2 = open(true)) {
            Envelope back = q2.show(id).orElseThrow().envelope();
            assertEquals(env, back);
        }
    }

    @Test
    void discardedMessageLeavesNoFile() throws Exception {
        try (DurableQueue q = open(true)) {
            String id;
            try (QueueSink.Incoming in = q.begin()) {
                id = in.queueId();
                in.body().write("Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(Files.exists(dir.resolve("incoming").resolve(id)));
            }
            assertFalse(Files.exists(dir.resolve("incoming").resolve(id)));
            assertEquals(0, q.size());
            QueueSink.Incoming in2 = q.begin();
            in2.close();
            assertThrows(IOException.class, () -> in2.commit(QueueTestSupport.envelope(null, "a@ours.example")));
        }
    }

    @Test
    void recoveryDeletesIncompleteAndMovesCorruptAside() throws Exception {
        String good;
        String other;
        try (DurableQueue q = open(true)) {
            good = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "a@ours.example"), QueueTestSupport.message("g", "ok"));
            other = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "b@ours.example"), QueueTestSupport.message("o", "ok"));
            // a session killed mid-DATA
            QueueSink.Incoming half = q.begin();
            half.body().write("Subject: half\r\n".getBytes(StandardCharsets.US_ASCII));
            half.body().flush();
        }
        Path active = dir.resolve("active");
        // a torn (truncated) queue file and a file of garbage
        Path torn = active.resolve(other);
        byte[] b = Files.readAllBytes(torn);
        Files.write(torn, java.util.Arrays.copyOf(b, b.length - 7));
        Files.writeString(active.resolve("0000000000BEEF"), "garbage that is no queue file at all, long enough to have a footer");
        // a body bit flip
        String flipped;
        try (DurableQueue q = open(true)) {
            flipped = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "c@ours.example"), QueueTestSupport.message("f", "ok"));
        }
        byte[] fb = Files.readAllBytes(active.resolve(flipped));
        fb[3] ^= 0x20;
        Files.write(active.resolve(flipped), fb);
        Files.writeString(dir.resolve("state").resolve("0000000000ABCD"), "orphan");
        Files.writeString(dir.resolve("state").resolve(good + ".tmp"), "half-written state");

        for (int round = 0; round < 2; round++) { // idempotent
            try (DurableQueue q = open(true)) {
                assertEquals(List.of(good), q.list().stream().map(QueueAdmin.Entry::id).toList());
            }
            try (Stream<Path> s = Files.list(dir.resolve("incoming"))) {
                assertEquals(0, s.count());
            }
            try (Stream<Path> s = Files.list(dir.resolve("state"))) {
                assertEquals(0, s.count());
            }
            try (Stream<Path> s = Files.list(dir.resolve("corrupt"))) {
                assertEquals(Set.of(other, "0000000000BEEF", flipped), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
            }
        }
    }

    @Test
    void aSecondProcessCannotOpenTheSameQueue() throws Exception {
        try (DurableQueue q = open(true)) {
            IOException e = assertThrows(IOException.class, () -> open(true));
            assertTrue(e.getMessage().contains("in use by another postern process"), e.getMessage());
        }
        try (DurableQueue again = open(true)) {
            assertEquals(0, again.size());
        }
    }

    @Test
    void stateFilesRoundTripAndRejectDamage() throws Exception {
        MessageState s = new MessageState(3);
        s.nextAttempt = java.time.Instant.ofEpochMilli(1234567);
        s.attempts = 4;
        s.delayWarned = true;
        s.rcpt[0].status = MessageState.Status.DONE;
        s.rcpt[0].reply = Reply.of(250, "2.0.0", "Ok");
        s.rcpt[0].detail = "delivered to maildir";
        s.rcpt[1].reply = Reply.of(451, "4.4.1", "delivery temporarily suspended: x y");
        s.rcpt[1].detail = "delivery temporarily suspended: x y\n%";
        s.rcpt[2].status = MessageState.Status.FAILED;
        s.rcpt[2].unreported = true; // the bounce is not queued yet: stored as pending
        byte[] b = QueueFormat.stateBytes(s);
        MessageState back = QueueFormat.parseState(b, 3);
        assertEquals(MessageState.Status.DONE, back.rcpt[0].status);
        assertEquals("250 2.0.0 Ok", back.rcpt[0].reply.oneLine());
        assertEquals(MessageState.Status.PENDING, back.rcpt[1].status);
        assertEquals("delivery temporarily suspended: x y\n%", back.rcpt[1].detail);
        assertEquals(MessageState.Status.PENDING, back.rcpt[2].status);
        assertEquals(s.nextAttempt, back.nextAttempt);
        assertEquals(4, back.attempts);
        assertTrue(back.delayWarned);
        b[10] ^= 1;
        assertThrows(QueueFormat.CorruptException.class, () -> QueueFormat.parseState(b, 3));
        assertThrows(QueueFormat.CorruptException.class, () -> QueueFormat.parseState(java.util.Arrays.copyOf(b, b.length - 3), 3));
    }

    @Test
    void queueIdsAreSortableAndSafe() {
        QueueIds ids = new QueueIds();
        String prev = "";
        for (int i = 0; i < 10000; i++) {
            String id = ids.next();
            assertTrue(QueueIds.valid(id), id);
            assertTrue(id.compareTo(prev) > 0);
            prev = id;
        }
        QueueIds restarted = new QueueIds();
        restarted.seen("FFFFFFFFFFFFF0");
        assertEquals("FFFFFFFFFFFFF1", restarted.next());
        assertNotNull(prev);
    }
}
