package org.postern.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.server.Main;
import org.postern.smtp.queue.DurableQueue;
import org.postern.smtp.queue.QueueConfig;
import org.postern.smtp.queue.QueueSink;

/** Queue administration through the real control socket and the CLI (in-process Main.run). */
class QueueControlTest {
    @TempDir
    Path dir;
    Path config;
    DurableQueue queue;
    ControlServer control;

    private static final java.util.regex.Pattern LOG_LINE = java.util.regex.Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");

    record Run(int code, String out, String err) {
    }

    Run cli(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] all = new String[args.length + 2];
            System.arraycopy(args, 0, all, 0, args.length);
            all[args.length] = "--config";
            all[args.length + 1] = config.toString();
            int code = Main.run(all);
            // the server runs in this JVM: drop its log lines (test layout "HH:mm:ss.SSS LEVEL logger ...")
            String o = out.toString(StandardCharsets.UTF_8).lines().filter(l -> !LOG_LINE.matcher(l).find())
                    .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
            return new Run(code, o, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        config = dir.resolve("postern.toml");
        Files.writeString(config, "[server]\nmyhostname = \"mx.ours.example\"\n");
    }

    void startServer() throws IOException {
        QueueConfig cfg = QueueConfig.defaults("mx.ours.example").withTimes(Duration.ofHours(1), Duration.ofHours(2),
                Duration.ofHours(1), Duration.ofDays(5), Duration.ofDays(5), Duration.ZERO);
        queue = DurableQueue.open(dir.resolve("spool"), cfg, Map.of(), d -> false);
        queue.start();
        control = ControlServer.start(dir.resolve("run/control.sock"), queue);
    }

    @AfterEach
    void tearDown() {
        if (control != null) {
            control.close();
        }
        if (queue != null) {
            queue.close();
        }
    }

    String commit(String subject, String... rcpts) throws IOException {
        List<Envelope.Recipient> rs = java.util.Arrays.stream(rcpts).map(r -> Envelope.Recipient.of(Address.parse(r))).toList();
        Envelope env = new Envelope(Address.parse("sender@ours.example"), rs, null, null, "8BITMIME", false,
                new Envelope.Client(InetAddress.getLoopbackAddress(), "localhost", "h", "ESMTP", null, null), Instant.now(), false);
        try (QueueSink.Incoming in = queue.begin()) {
            in.body().write(("Subject: " + subject + "\r\nMessage-ID: <" + subject + "@x>\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8));
            in.commit(env);
            return in.queueId();
        }
    }

    void awaitDeferred(int n) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (queue.list().stream().filter(e -> e.queue().equals("deferred") && !e.running()).count() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("messages not deferred: " + queue.list());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void clearErrorWhenTheServerIsNotRunning() {
        Run r = cli("queue", "list");
        assertEquals(1, r.code());
        assertEquals("postern: postern is not running (no control socket at " + dir.resolve("run/control.sock").toAbsolutePath() + ")",
                r.err().strip());
    }

    @Test
    void listShowHoldReleaseFlushDelete() throws Exception {
        startServer();
        assertEquals("Mail queue is empty", cli("queue", "list").out().strip());
        String a = commit("first", "far@remote.example", "other@remote.example");
        String b = commit("second", "far2@remote.example");
        awaitDeferred(2);

        Run list = cli("queue", "list");
        assertEquals(0, list.code(), list.err());
        String out = list.out();
        assertTrue(out.startsWith("-Queue ID-"), out);
        assertTrue(out.contains(a + "  "), out);
        assertTrue(out.contains("sender@ours.example"), out);
        assertTrue(out.contains("(delivery temporarily suspended: remote delivery is not available yet)\n"), out);
        assertTrue(out.contains("far@remote.example") && out.contains("other@remote.example"), out);
        assertTrue(out.strip().endsWith("-- 1 Kbytes in 2 Requests."), out);

        String json = cli("queue", "list", "--json").out();
        assertEquals(2, json.strip().lines().count());
        assertTrue(json.contains("\"queue_id\": \"" + a + "\"") && json.contains("\"queue_name\": \"deferred\""), json);
        assertTrue(json.contains("\"delay_reason\": \"delivery temporarily suspended: remote delivery is not available yet\""), json);

        Run show = cli("queue", "show", b);
        assertEquals(0, show.code(), show.err());
        assertTrue(show.out().contains("*** ENVELOPE RECORDS " + b), show.out());
        assertTrue(show.out().contains("recipient: far2@remote.example"), show.out());
        assertTrue(show.out().contains("message_id: <second@x>"), show.out());
        assertTrue(show.out().contains("Subject: second"), show.out());

        Run hold = cli("queue", "hold", a);
        assertEquals("postern: Placed on hold: 1 message", hold.out().strip());
        assertTrue(cli("queue", "list").out().contains(a + "!"));
        assertEquals("hold", queue.list().getFirst().queue());

        assertEquals("postern: flushed 1 message", cli("queue", "flush").out().strip(), "held mail is not flushed");
        awaitDeferred(1);
        assertEquals("postern: Released from hold: 1 message", cli("queue", "release", a).out().strip());
        awaitDeferred(2);

        Run missing = cli("queue", "delete", "0000000000FFFF");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("0000000000FFFF: no such message"), missing.err());
        Run bad = cli("queue", "delete", "../etc");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("not a queue id"), bad.err());

        assertEquals("postern: Deleted: 1 message", cli("queue", "delete", b).out().strip());
        assertEquals("postern: Deleted: 1 message", cli("queue", "delete", "ALL").out().strip());
        assertEquals("Mail queue is empty", cli("queue", "list").out().strip());
        assertFalse(Files.list(dir.resolve("spool/deferred")).findAny().isPresent());
        assertFalse(Files.list(dir.resolve("spool/hold")).findAny().isPresent());
    }

    @Test
    void staleSocketIsReplacedAndASecondServerRefused() throws Exception {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("run/control.sock"), "stale");
        startServer();
        assertEquals(0, cli("queue", "list").code());
        try {
            ControlServer.start(dir.resolve("run/control.sock"), queue);
            throw new AssertionError("a second server must be refused");
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("another postern is running"), e.getMessage());
        }
        assertEquals(Set.of("OWNER_READ", "OWNER_WRITE"),
                Files.getPosixFilePermissions(dir.resolve("run/control.sock")).stream().map(Enum::name).collect(java.util.stream.Collectors.toSet()));
        ControlClient.Response r = ControlClient.request(dir.resolve("run/control.sock"), "queue frobnicate");
        assertFalse(r.ok());
        assertEquals("unknown queue request: frobnicate", r.error());
    }
}
