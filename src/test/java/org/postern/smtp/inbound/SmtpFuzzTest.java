package org.postern.smtp.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.config.Config;
import org.postern.net.Listener;

/**
 * Random sessions over a real socket: valid commands, mangled ones, binary noise, over-long lines,
 * bare CR/LF, TLS and HTTP bytes, BDAT with wrong sizes, cut-off DATA. Whatever arrives, every reply
 * is a well-formed SMTP reply (no stack trace, nothing echoed raw), the server ends each session,
 * and afterwards it still accepts a normal message. Seeds are fixed, so a failure names a
 * reproducible case.
 */
class SmtpFuzzTest {
    /** Sessions per run; -Dfuzz.seeds=N for a longer hunt. */
    private static final int SEEDS = Integer.getInteger("fuzz.seeds", 1000);
    private static final Pattern REPLY = Pattern.compile("[2-5][0-9][0-9]([ -].*)?");

    @TempDir
    Path dir;

    Listener listener;
    TestQueue queue;
    final TestPolicy policy = new TestPolicy();
    /** Server-side errors (an internal error closes the connection: the client alone cannot tell). */
    final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> errorLog;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.stop(Duration.ofSeconds(2));
        }
        if (errorLog != null) {
            root().detachAppender(errorLog);
        }
        quieted.forEach((logger, level) -> logger.setLevel(level));
        quieted.clear();
    }

    /** Loggers turned down to WARN for the run (thousands of sessions' INFO lines would flood the build log). */
    private final Map<ch.qos.logback.classic.Logger, ch.qos.logback.classic.Level> quieted = new java.util.HashMap<>();

    private void quiet(String name) {
        ch.qos.logback.classic.Logger l = root().getLoggerContext().getLogger(name);
        quieted.putIfAbsent(l, l.getLevel());
        l.setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private static ch.qos.logback.classic.Logger root() {
        return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private void start() throws Exception {
        start(null, java.util.Map.of());
    }

    private void start(org.postern.net.tls.TlsContext tls, java.util.Map<org.postern.core.config.Setting<?>, String> overrides)
            throws Exception {
        errorLog = new ch.qos.logback.core.AppenderBase<>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                if (e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.ERROR)) {
                    errors.add(e.getLoggerName() + ": " + e.getFormattedMessage());
                }
            }
        };
        errorLog.setContext(root().getLoggerContext());
        errorLog.start();
        root().addAppender(errorLog);
        quiet("smtpd");
        quiet("postern.net");
        Config c = Config.defaults(org.postern.server.config.AllSettings.list()).with(overrides);
        SmtpServerConfig cfg = SmtpServerConfig.from(c, "smtp", "mx.test.local").withErrorLimits(10, 20, Duration.ZERO);
        queue = new TestQueue(Files.createDirectories(dir.resolve("q")));
        SmtpServer server = new SmtpServer(cfg, policy, queue, null);
        Listener.Options o = new Listener.Options("smtp", new InetSocketAddress("127.0.0.1", 0), 50, null, tls, false, false,
                Duration.ofSeconds(10), null);
        listener = new Listener(o, server).start();
    }

    private static final String[] COMMANDS = {
        "EHLO client.example.org", "HELO client.example.org", "EHLO", "HELO [127.0.0.1]", "EHLO [IPv6:::1]",
        "MAIL FROM:<a@example.org>", "MAIL FROM:<>", "MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME",
        "MAIL FROM:<a@example.org> SMTPUTF8", "MAIL FROM:<a@example.org> RET=HDRS ENVID=x+2Bid",
        "MAIL FROM:a@example.org", "MAIL FROM:<a@b@c>", "MAIL FROM:<@relay.example:a@example.org>",
        "RCPT TO:<u@test.local>", "RCPT TO:<u+tag@test.local> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;u@test.local",
        "RCPT TO:<postmaster>", "RCPT TO:<x@other.example>", "RCPT TO:<u%other.example@test.local>",
        "RCPT TO:<\"quoted local\"@test.local>", "RCPT TO:<u@test.local> NOTIFY=NEVER,SUCCESS", "RCPT TO:",
        "DATA", "BDAT 10", "BDAT 0 LAST", "BDAT 5 LAST", "BDAT -1", "BDAT 99999999999999999999",
        "RSET", "NOOP", "NOOP with args", "HELP", "HELP MAIL", "VRFY u@test.local", "EXPN list", "ETRN test.local",
        "STARTTLS", "AUTH PLAIN AGFAYgBj", "AUTH LOGIN", "XCLIENT ADDR=1.2.3.4", "TURN", "SEND FROM:<a@b>",
        "GET / HTTP/1.1", "Host: example", "mail from:<A@EXAMPLE.ORG>", "rcpt to:<U@TEST.LOCAL>", "data",
        "Subject: hello", "", ".", "..", ". ", "From: x@y",
    };

    /** One random piece of a session. */
    private static byte[] piece(Random r) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        switch (r.nextInt(12)) {
            case 0, 1, 2, 3, 4 -> b.writeBytes((COMMANDS[r.nextInt(COMMANDS.length)] + "\r\n").getBytes(StandardCharsets.UTF_8));
            case 5 -> { // a command with random case and junk appended
                String c = COMMANDS[r.nextInt(COMMANDS.length)];
                StringBuilder sb = new StringBuilder();
                for (char ch : c.toCharArray()) {
                    sb.append(r.nextBoolean() ? Character.toLowerCase(ch) : Character.toUpperCase(ch));
                }
                sb.append(r.nextBoolean() ? " " : "").append(Long.toString(r.nextLong(), 36));
                b.writeBytes((sb + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            case 6 -> { // binary noise, CR/LF/NUL included
                byte[] noise = new byte[1 + r.nextInt(300)];
                r.nextBytes(noise);
                b.writeBytes(noise);
            }
            case 7 -> { // an over-long line
                b.writeBytes("MAIL FROM:<".getBytes(StandardCharsets.US_ASCII));
                b.writeBytes("a".repeat(500 + r.nextInt(20_000)).getBytes(StandardCharsets.US_ASCII));
                b.writeBytes(">\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            case 8 -> { // bare line ends and smuggling shapes
                String[] shapes = {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "NOOP\n", "NOOP\r", "RSET\r\r\n", "\r\n"};
                b.writeBytes(shapes[r.nextInt(shapes.length)].getBytes(StandardCharsets.US_ASCII));
            }
            case 9 -> // the start of a TLS ClientHello where a command is expected
                b.writeBytes(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03});
            case 10 -> { // UTF-8 and control characters in commands
                b.writeBytes(("MAIL FROM:<ü" + (char) r.nextInt(32) + "@exämple.org>\r\nEHLO héllo\u0001\r\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            default -> { // a whole transaction, sometimes cut off in DATA
                b.writeBytes("MAIL FROM:<a@example.org>\r\nRCPT TO:<u@test.local>\r\nDATA\r\nSubject: fuzz\r\n\r\nbody\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                if (r.nextInt(3) > 0) {
                    b.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        return b.toByteArray();
    }

    /** Runs one random session; returns the server's reply lines (the server must end the session). */
    private List<String> session(long seed) throws Exception {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", listener.port()));
            s.setSoTimeout(15_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    int n = 1 + r.nextInt(25);
                    for (int i = 0; i < n; i++) {
                        out.write(piece(r));
                    }
                    out.write("\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.shutdownOutput();
                } catch (IOException e) {
                    // the server may close first (too many errors, line too long): fine
                }
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            try {
                String l;
                while ((l = in.readLine()) != null) {
                    lines.add(l);
                }
            } catch (SocketTimeoutException e) {
                fail("seed " + seed + ": the server did not end the session within 15 s; replies so far: " + lines);
            } catch (IOException e) {
                // connection reset after the server closed while we were still sending: fine
            }
            writer.join(5_000);
        }
        return lines;
    }

    @Test
    @Timeout(300)
    void randomSessionsGetWellFormedRepliesAndTheServerKeepsServing() throws Exception {
        start();
        fuzz(SEEDS);
        assertStillServing();
    }

    /**
     * Deeper: with smtpd_forbid_unauth_pipelining = no and without reject_unauth_pipelining the
     * pipelined noise is not cut short at the first synchronization error but read command by
     * command, DATA included, and STARTTLS is offered (what follows an accepted STARTTLS is a failed
     * TLS handshake on our noise).
     */
    @Test
    @Timeout(300)
    void randomPipelinedSessionsWithStarttlsOffered() throws Exception {
        org.postern.testkit.TestCerts.Pem pem = org.postern.testkit.TestCerts.write(dir, "mx.test.local", false,
                org.postern.testkit.TestCerts.KeyFormat.PKCS8);
        start(org.postern.net.tls.TlsContext.fromPem(new org.postern.net.tls.TlsContext.CertSpec(null, pem.cert(), pem.key()),
                List.of(), List.of("TLSv1.2", "TLSv1.3")),
                java.util.Map.of(org.postern.smtp.SmtpSettings.SMTPD_FORBID_UNAUTH_PIPELINING, "no"));
        policy.rejectUnauthPipelining = false;
        int tls = fuzz(SEEDS);
        assertTrue(tls > 0, "some sessions got as far as a TLS handshake");
        assertTrue(queue.committed.size() > 0, "some fuzzed transactions were complete messages");
        assertStillServing();
    }

    /** PROXY protocol listeners: mangled v1 and v2 headers end the connection, never the server. */
    @Test
    @Timeout(300)
    void randomProxyHeaders() throws Exception {
        Config c = Config.defaults(org.postern.server.config.AllSettings.list());
        start(null, java.util.Map.of());
        listener.stop(Duration.ofSeconds(2));
        SmtpServerConfig cfg = SmtpServerConfig.from(c, "smtp", "mx.test.local").withErrorLimits(10, 20, Duration.ZERO);
        listener = new Listener(new Listener.Options("smtp", new InetSocketAddress("127.0.0.1", 0), 50, null, null, false, true,
                Duration.ofSeconds(5), null), new SmtpServer(cfg, policy, queue, null)).start();
        byte[] v2sig = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
        String[] v1 = {"PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n", "PROXY TCP6 2001:db8::1 ::1 40000 25\r\n",
            "PROXY UNKNOWN\r\n", "PROXY TCP4 999.1.1.1 127.0.0.1 1 2\r\n", "PROXY TCP4 1.2.3.4\r\n", "PROXY \r\n"};
        for (long seed = 1; seed <= SEEDS / 2; seed++) {
            Random r = new Random(seed);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            switch (r.nextInt(4)) {
                case 0 -> { // a v1 line, perhaps cut or with a byte changed
                    byte[] line = v1[r.nextInt(v1.length)].getBytes(StandardCharsets.US_ASCII);
                    if (r.nextBoolean()) {
                        line[r.nextInt(line.length)] = (byte) r.nextInt(256);
                    }
                    b.write(line, 0, r.nextInt(3) == 0 ? r.nextInt(line.length) : line.length);
                }
                case 1 -> { // a v2 header with random version/command, family, length and address block
                    b.writeBytes(v2sig);
                    b.write(r.nextInt(256));
                    b.write(r.nextInt(256));
                    int len = r.nextInt(3) == 0 ? r.nextInt(65536) : r.nextInt(64);
                    b.write(len >> 8);
                    b.write(len & 0xff);
                    byte[] body = new byte[Math.min(len, r.nextInt(80))];
                    r.nextBytes(body);
                    b.writeBytes(body);
                }
                case 2 -> { // "PROXY" and a long line
                    b.writeBytes(("PROXY TCP4 " + "9".repeat(r.nextInt(2000)) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                default -> { // no header at all
                    byte[] noise = new byte[1 + r.nextInt(200)];
                    r.nextBytes(noise);
                    b.writeBytes(noise);
                }
            }
            b.writeBytes("EHLO x.example\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", listener.port()));
                s.setSoTimeout(15_000);
                try {
                    s.getOutputStream().write(b.toByteArray());
                    s.shutdownOutput();
                    s.getInputStream().readAllBytes();
                } catch (SocketTimeoutException e) {
                    fail("seed " + seed + ": the server did not end the connection within 15 s");
                } catch (IOException e) {
                    // reset by the server: fine
                }
            }
            assertEquals(List.of(), errors, "seed " + seed + ": the server failed internally");
        }
        // still serving
        try (SmtpServerTest.Raw raw = new SmtpServerTest.Raw(listener.port())) {
            raw.send("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n");
            assertTrue(raw.reply().startsWith("220 "));
            assertTrue(raw.cmd("EHLO x.example").startsWith("250"));
        }
    }

    /** Runs the seeds; returns how many sessions reached STARTTLS's 220. */
    private int fuzz(int seeds) throws Exception {
        int sessions = 0;
        int tls = 0;
        for (long seed = 1; seed <= seeds; seed++) {
            List<String> lines = session(seed);
            sessions++;
            assertEquals(List.of(), errors, "seed " + seed + ": the server failed internally");
            assertFalse(lines.isEmpty(), "seed " + seed + ": not even a greeting");
            assertTrue(lines.getFirst().startsWith("220 "), "seed " + seed + ": " + lines.getFirst());
            for (String l : lines) {
                assertTrue(REPLY.matcher(l).matches(), "seed " + seed + ": not an SMTP reply line: " + l);
                assertFalse(l.contains("Exception") || l.contains("java.") || l.contains("\tat "),
                        "seed " + seed + ": internals leaked to the client: " + l);
                for (char ch : l.toCharArray()) {
                    assertTrue(ch >= 0x20 && ch < 0x7f, "seed " + seed + ": a reply carries a raw control or 8-bit byte: " + l);
                }
                if (l.startsWith("220 2.0.0 Ready to start TLS")) {
                    tls++;
                    break; // the rest is TLS (an alert for our noise), not SMTP text
                }
            }
        }
        assertEquals(seeds, sessions);
        return tls;
    }

    private void assertStillServing() throws Exception {
        // still serving: an ordinary message goes through
        try (SmtpServerTest.Raw c = new SmtpServerTest.Raw(listener.port())) {
            assertTrue(c.reply().startsWith("220 "));
            c.cmd("EHLO client.example.org");
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            c.cmd("DATA");
            String r = c.cmd("Subject: after the fuzz\r\n\r\nstill here\r\n.");
            assertTrue(r.startsWith("250 2.0.0 Ok: queued as "), r);
        }
    }
}
