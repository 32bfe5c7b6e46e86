package org.postern.smtp.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Envelope;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.postern.net.ConnectionLimits;
import org.postern.net.Listener;
import org.postern.net.tls.TlsContext;
import org.postern.smtp.SmtpSettings;
import org.postern.testkit.Peers;
import org.postern.testkit.TestCerts;

/** The SMTP session over real loopback sockets: raw sockets, Python smtplib and swaks. */
class SmtpServerTest {

    @TempDir
    Path dir;

    TestQueue queue;
    TestPolicy policy;
    Listener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.stop(Duration.ofSeconds(2));
        }
    }

    Listener start(Map<Setting<?>, String> overrides, TlsContext tls, ConnectionLimits limits, boolean proxy) throws Exception {
        Config c = Config.defaults(org.postern.server.config.AllSettings.list()).with(overrides);
        SmtpServerConfig cfg = SmtpServerConfig.from(c, "smtp", "mx.test.local").withErrorLimits(10, 20, Duration.ZERO)
                .withMyorigin("test.local");
        queue = new TestQueue(Files.createDirectories(dir.resolve("q")));
        policy = new TestPolicy();
        SmtpServer server = new SmtpServer(cfg, policy, queue, null);
        Listener.Options o = new Listener.Options("smtp", new InetSocketAddress("127.0.0.1", 0), 50, limits, tls, false, proxy,
                Duration.ofSeconds(5), null);
        listener = new Listener(o, server).start();
        return listener;
    }

    Listener start() throws Exception {
        return start(Map.of(), null, null, false);
    }

    /** A raw SMTP client: send text, read one (possibly multi-line) reply. */
    static final class Raw implements AutoCloseable {
        final Socket s;
        final BufferedReader in;
        final OutputStream out;

        Raw(int port) throws IOException {
            this(port, null);
        }

        Raw(int port, String bind) throws IOException {
            s = new Socket();
            if (bind != null) {
                s.bind(new InetSocketAddress(bind, 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            out = s.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The full reply, lines joined with \n; null at EOF. */
        String reply() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                String l = in.readLine();
                if (l == null) {
                    return sb.isEmpty() ? null : sb.toString();
                }
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(l);
                if (l.length() < 4 || l.charAt(3) != '-') {
                    return sb.toString();
                }
            }
        }

        /** Sends without adding CRLF (BDAT chunks) and reads one reply. */
        String raw(String text) throws IOException {
            send(text);
            return reply();
        }

        String cmd(String line) throws IOException {
            send(line + "\r\n");
            return reply();
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    static void starts(String prefix, String reply) {
        assertTrue(reply != null && reply.startsWith(prefix), "expected '" + prefix + "' but got: " + reply);
    }

    /** Postfix's smtpd_client_message_rate_limit / smtpd_client_recipient_rate_limit, per client IP across connections. */
    private Listener rateLimited(Map<Setting<?>, String> limits, java.util.function.Predicate<java.net.InetAddress> exempt) throws Exception {
        Config c = Config.defaults(org.postern.server.config.AllSettings.list()).with(limits);
        queue = new TestQueue(Files.createDirectories(dir.resolve("q")));
        SmtpServer server = new SmtpServer(SmtpServerConfig.from(c, "smtp", "mx.test.local"), new TestPolicy(), queue, null)
                .withClientRates(c, exempt);
        listener = new Listener(Listener.Options.tcp("smtp", new InetSocketAddress("127.0.0.1", 0), 5), server).start();
        return listener;
    }

    @Test
    void messageAndRecipientRatesPerClient() throws Exception {
        rateLimited(Map.of(org.postern.smtp.SmtpSettings.SMTPD_CLIENT_MESSAGE_RATE_LIMIT, "2",
                org.postern.smtp.SmtpSettings.SMTPD_CLIENT_RECIPIENT_RATE_LIMIT, "3"), ip -> false);
        try (Raw r = new Raw(listener.port())) {
            r.reply();
            r.cmd("EHLO c.example");
            starts("250", r.cmd("MAIL FROM:<a@example.org>"));
            starts("250", r.cmd("RCPT TO:<bob@test.local>"));
            starts("250", r.cmd("RCPT TO:<carol@test.local>"));
            starts("250", r.cmd("RCPT TO:<dave@test.local>"));
            starts("450 4.7.1 Error: too many recipients from 127.0.0.1", r.cmd("RCPT TO:<eve@test.local>"));
            r.cmd("RSET");
            starts("250", r.cmd("MAIL FROM:<a@example.org>"));
            r.cmd("RSET");
        }
        try (Raw r = new Raw(listener.port())) {
            r.reply();
            r.cmd("EHLO c.example");
            starts("450 4.7.1 Error: too much mail from 127.0.0.1", r.cmd("MAIL FROM:<a@example.org>"));
        }
    }

    @Test
    void exemptClientsAreNotRateLimited() throws Exception {
        rateLimited(Map.of(org.postern.smtp.SmtpSettings.SMTPD_CLIENT_MESSAGE_RATE_LIMIT, "1"), ip -> ip.isLoopbackAddress());
        try (Raw r = new Raw(listener.port())) {
            r.reply();
            r.cmd("EHLO c.example");
            for (int i = 0; i < 5; i++) {
                starts("250", r.cmd("MAIL FROM:<a@example.org>"));
                r.cmd("RSET");
            }
        }
    }

    /** RFC 5321 §3.8: a server that shuts down says 421 first; a message in DATA is not acknowledged. */
    @Test
    void stoppingSays421ToIdleSessionsAndToOneInData() throws Exception {
        Listener l = start();
        try (Raw idle = new Raw(l.port()); Raw inData = new Raw(l.port())) {
            starts("220 ", idle.reply());
            starts("250", idle.cmd("EHLO c.example"));
            starts("220 ", inData.reply());
            inData.cmd("EHLO c.example");
            starts("250", inData.cmd("MAIL FROM:<a@example.org>"));
            starts("250", inData.cmd("RCPT TO:<bob@test.local>"));
            starts("354", inData.cmd("DATA"));
            inData.send("Subject: half a message\r\n\r\nno end yet\r\n");
            Thread stopper = Thread.ofPlatform().start(() -> l.stop(Duration.ofSeconds(4)));
            starts("421 4.3.2 mx.test.local Service shutting down", idle.reply());
            assertNull(idle.reply(), "closed after the 421");
            starts("421 4.3.2 ", inData.reply());
            stopper.join();
        }
        assertTrue(queue.committed.isEmpty(), "the half-received message was not queued");
        listener = null;
    }

    @Test
    void fullSessionAndEnvelope() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            starts("220 mx.test.local ESMTP", c.reply());
            starts("503 5.5.1 Error: send HELO/EHLO first", c.cmd("MAIL FROM:<a@example.org>"));
            String ehlo = c.cmd("EHLO client.example");
            assertEquals("250-mx.test.local\n250-PIPELINING\n250-SIZE 52428800\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n"
                    + "250-DSN\n250-SMTPUTF8\n250 CHUNKING", ehlo);
            starts("503 5.5.1 Error: need MAIL command", c.cmd("RCPT TO:<u@test.local>"));
            starts("250 2.1.0 Ok", c.cmd("MAIL FROM:<a@example.org> RET=HDRS ENVID=env+2B1 BODY=8BITMIME"));
            starts("503 5.5.1 Error: nested MAIL command", c.cmd("MAIL FROM:<a@example.org>"));
            starts("554 5.7.1 <x@elsewhere.example>: Relay access denied", c.cmd("RCPT TO:<x@elsewhere.example>"));
            starts("550 5.1.1 <nobody@test.local>: Recipient address rejected", c.cmd("RCPT TO:<nobody@test.local>"));
            starts("250 2.1.5 Ok", c.cmd("RCPT TO:<u@test.local> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;U+2Bx@test.local"));
            starts("250 2.1.5 Ok", c.cmd("RCPT TO:<@hop.example:v@test.local>"));
            starts("501 5.5.4 Syntax: DATA", c.cmd("DATA now"));
            starts("354 ", c.cmd("DATA"));
            c.send("Subject: hi\r\n\r\n..leading dot\r\nline\r\n.\r\n");
            String r = c.reply();
            starts("250 2.0.0 Ok: queued as 4T", r);
            starts("250 2.0.0 Ok", c.cmd("NOOP"));
            starts("502 5.5.1 VRFY command is disabled", c.cmd("VRFY u@test.local"));
            starts("214 2.0.0", c.cmd("HELP"));
            starts("502 5.5.2 Error: command not recognized", c.cmd("GET / HTTP/1.0"));
            starts("503 5.5.1 Error: authentication not enabled", c.cmd("AUTH PLAIN"));
            starts("502 5.5.1 Error: STARTTLS not offered: no TLS certificate is configured for this listener", c.cmd("STARTTLS"));
            starts("221 2.0.0 Bye", c.cmd("QUIT"));
            assertNull(c.reply());
        }
        assertEquals(1, queue.committed.size());
        TestQueue.Stored m = queue.committed.getFirst();
        Envelope e = m.envelope();
        assertEquals("a@example.org", e.sender().toString());
        assertEquals("HDRS", e.dsnRet());
        assertEquals("env+1", e.dsnEnvid());
        assertEquals("8BITMIME", e.bodyType());
        assertEquals(2, e.recipients().size());
        assertEquals(Set.of(Envelope.Notify.SUCCESS, Envelope.Notify.FAILURE), e.recipients().getFirst().notifyOn());
        assertEquals("rfc822;U+x@test.local", e.recipients().getFirst().orcpt());
        assertEquals("v@test.local", e.recipients().get(1).address().toString());
        assertEquals("client.example", e.client().helo());
        assertEquals("ESMTP", e.client().protocol());
        String text = m.text();
        assertTrue(text.startsWith("Received: from client.example (unknown [127.0.0.1])\r\n\tby mx.test.local (Postern) with ESMTP id "
                + m.id() + "; "), text);
        assertTrue(text.endsWith("Subject: hi\r\n\r\n.leading dot\r\nline\r\n"), text);
        assertEquals(0, queue.open.get());
    }

    @Test
    void nullSenderHeloAndSingleRecipientReceived() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            starts("501 5.5.4 Syntax: HELO hostname", c.cmd("HELO"));
            starts("501 5.5.2 <bad(name>: Helo command rejected: Invalid name", c.cmd("HELO bad(name"));
            assertEquals("250 mx.test.local", c.cmd("HELO old.example"));
            starts("250 2.1.0", c.cmd("MAIL FROM:<>"));
            starts("250 2.1.5", c.cmd("RCPT TO:<tag@test.local>"));
            starts("354", c.cmd("DATA"));
            starts("250 2.0.0", c.cmd("x\r\n."));
            starts("250 2.1.0", c.cmd("MAIL FROM:<b@example.org>"));
            starts("250 2.1.5", c.cmd("RCPT TO:<hold@test.local>"));
            starts("250 2.0.0", c.cmd("RSET"));
            starts("503 5.5.1 Error: need MAIL command", c.cmd("DATA"));
        }
        TestQueue.Stored m = queue.committed.getFirst();
        assertNull(m.envelope().sender());
        assertEquals("SMTP", m.envelope().client().protocol());
        assertTrue(m.text().startsWith("X-Tag: tagged\r\nReceived: from old.example (unknown [127.0.0.1])\r\n\tby mx.test.local (Postern) with SMTP id "
                + m.id() + "\r\n\tfor <tag@test.local>; "), m.text());
        assertEquals(1, queue.committed.size());
        assertEquals(0, queue.open.get());
    }

    @Test
    void parameterAndSizeErrors() throws Exception {
        start(Map.of(SmtpSettings.MESSAGE_SIZE_LIMIT, "1000"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            starts("555 5.5.4 Unsupported option: FOO=bar", c.cmd("MAIL FROM:<a@example.org> FOO=bar"));
            starts("501 5.5.4", c.cmd("MAIL FROM:<a@example.org> SIZE=12x"));
            starts("552 5.3.4 Message size exceeds fixed limit", c.cmd("MAIL FROM:<a@example.org> SIZE=1001"));
            starts("501 5.1.7 Bad sender address syntax", c.cmd("MAIL FROM:<a@@example.org>"));
            starts("250 2.1.0", c.cmd("MAIL FROM:<a@example.org> SIZE=1000"));
            starts("555 5.5.4 Unsupported option: X=1", c.cmd("RCPT TO:<u@test.local> X=1"));
            starts("501 5.5.4", c.cmd("RCPT TO:<u@test.local> NOTIFY=NEVER,DELAY"));
            starts("250 2.1.5", c.cmd("RCPT TO:<u@test.local>"));
            starts("354", c.cmd("DATA"));
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                big.append("0123456789012345678901234567890123456789\r\n");
            }
            c.send(big.toString());
            starts("552 5.3.4 Error: message file too big", c.cmd("."));
            // the session is in step after the oversize message
            starts("250 2.0.0 Ok", c.cmd("NOOP"));
            String longLine = "NOOP " + "x".repeat(3000);
            starts("500 5.5.2 Error: line too long", c.cmd(longLine));
            starts("250 2.0.0 Ok", c.cmd("NOOP"));
        }
        assertEquals(0, queue.committed.size());
        assertEquals(0, queue.open.get());
    }

    @Test
    void headerSizeLimit() throws Exception {
        start(Map.of(SmtpSettings.HEADER_SIZE_LIMIT, "1000"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            for (String body : new String[] {"X-Big: " + "y".repeat(1200) + "\r\n\r\nbody", "Subject: ok\r\n\r\n" + "z".repeat(3000)}) {
                c.cmd("MAIL FROM:<a@example.org>");
                c.cmd("RCPT TO:<u@test.local>");
                starts("354", c.cmd("DATA"));
                String r = c.cmd(body + "\r\n.");
                starts(body.startsWith("X-Big") ? "552 5.3.4 Error: message header size exceeds limit" : "250 2.0.0", r);
            }
        }
        assertEquals(1, queue.committed.size());
    }

    @Test
    void failingPolicyGivesTemporaryError() throws Exception {
        start();
        SmtpServer s = new SmtpServer(SmtpServerConfig.from(Config.defaults(org.postern.server.config.AllSettings.list()), "smtp", "mx.test.local"),
                (stage, facts) -> {
                    if (stage == org.postern.smtp.policy.SmtpPolicy.Stage.RCPT) {
                        throw new IllegalStateException("table vanished");
                    }
                    return org.postern.smtp.policy.SmtpPolicy.Decision.CONTINUE;
                }, queue, null);
        try (Listener l = new Listener(Listener.Options.tcp("smtp", new InetSocketAddress("127.0.0.1", 0), 5), s).start();
             Raw c = new Raw(l.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            c.cmd("MAIL FROM:<a@example.org>");
            starts("451 4.3.5 Server configuration problem", c.cmd("RCPT TO:<u@test.local>"));
            starts("250 2.0.0", c.cmd("NOOP"));
        }
    }

    @Test
    void messagesPerConnectionLimit() throws Exception {
        start(Map.of(SmtpSettings.MESSAGES_PER_CONNECTION_LIMIT, "2"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            for (int i = 0; i < 2; i++) {
                c.cmd("MAIL FROM:<a@example.org>");
                c.cmd("RCPT TO:<u@test.local>");
                c.cmd("DATA");
                starts("250 2.0.0 Ok: queued", c.cmd("m\r\n."));
            }
            starts("421 4.7.0 mx.test.local Error: too many messages in one connection", c.cmd("MAIL FROM:<a@example.org>"));
            assertNull(c.reply());
        }
        assertEquals(2, queue.committed.size());
    }

    @Test
    void errorLimitDisconnects() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            for (int i = 1; i < 20; i++) {
                starts("502 5.5.2", c.cmd("BOGUS " + i));
            }
            assertEquals("502 5.5.2 Error: command not recognized\n421 4.7.0 mx.test.local Error: too many errors",
                    c.cmd("BOGUS 20") + "\n" + c.reply());
            assertNull(c.reply());
        }
    }

    /** RFC 5321 §4.5.1: a bare "postmaster" is accepted and means postmaster@myorigin (a domain we host). */
    @Test
    void barePostmasterIsQualifiedWithMyorigin() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            c.cmd("MAIL FROM:<a@example.org>");
            starts("250 2.1.5", c.cmd("RCPT TO:<Postmaster>"));
            c.cmd("DATA");
            starts("250 2.0.0 Ok: queued", c.cmd("m\r\n."));
        }
        assertEquals("postmaster@test.local", queue.committed.getFirst().envelope().recipients().getFirst().address().toString());
    }

    /** The limits count errors made without delivering mail: an accepted message starts the count afresh. */
    @Test
    void anAcceptedMessageResetsTheErrorCount() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            for (int i = 1; i < 20; i++) {
                starts("502 5.5.2", c.cmd("BOGUS " + i));
            }
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            c.cmd("DATA");
            starts("250 2.0.0 Ok: queued", c.cmd("m\r\n."));
            for (int i = 1; i < 20; i++) {
                starts("502 5.5.2", c.cmd("BOGUS " + i));
            }
            assertEquals("502 5.5.2 Error: command not recognized\n421 4.7.0 mx.test.local Error: too many errors",
                    c.cmd("BOGUS 20") + "\n" + c.reply());
        }
        assertEquals(1, queue.committed.size());
    }

    /** SMTP smuggling probes: a bare-LF/CR "end of data" must never end or split a message. */
    @Test
    void smugglingProbesNormalize() throws Exception {
        start();
        String[] probes = {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r"};
        for (String probe : probes) {
            try (Raw c = new Raw(listener.port())) {
                c.reply();
                c.cmd("EHLO attacker.example");
                c.cmd("MAIL FROM:<a@example.org>");
                c.cmd("RCPT TO:<u@test.local>");
                starts("354", c.cmd("DATA"));
                c.send("Subject: outer\r\n\r\nouter" + probe + "MAIL FROM:<admin@test.local>\r\nRCPT TO:<v@test.local>\r\nDATA\r\n"
                        + "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\n");
                starts("250 2.0.0 Ok: queued", c.reply());
                starts("221", c.cmd("QUIT"));
            }
        }
        assertEquals(probes.length, queue.committed.size());
        for (TestQueue.Stored m : queue.committed) {
            assertEquals(List.of("u@test.local"), m.envelope().recipients().stream().map(r -> r.address().toString()).toList());
            String t = m.text();
            assertTrue(t.contains("Subject: smuggled"), t);
            assertFalse(t.replace("\r\n", "").contains("\r") || t.replace("\r\n", "").contains("\n"), "bare line ends stored: " + t);
        }
    }

    @Test
    void bareLineFeedRejectMode() throws Exception {
        start(Map.of(SmtpSettings.SMTPD_FORBID_BARE_NEWLINE, "yes"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            starts("354", c.cmd("DATA"));
            c.send("a\n.\nMAIL FROM:<b@example.org>\r\n.\r\n");
            starts("550 5.5.2 Error: bare <LF> received", c.reply());
            starts("250 2.0.0 Ok", c.cmd("NOOP"));
            c.send("NOOP\n");
            starts("521 5.5.2 mx.test.local Error: bare <LF> received", c.reply());
        }
        assertEquals(0, queue.committed.size());
    }

    @Test
    void unauthorisedPipeliningIsFlagged() throws Exception {
        start(Map.of(SmtpSettings.SMTPD_FORBID_UNAUTH_PIPELINING, "no"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            // a HELO client pipelining everything in one write (what smuggling and spam tools do)
            c.send("HELO x.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<u@test.local>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
            starts("250 mx.test.local", c.reply());
            starts("250 2.1.0", c.reply());
            starts("250 2.1.5", c.reply());
            starts("503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining", c.reply());
        }
        assertEquals(0, queue.committed.size());
        // RFC 2920 pipelining by an EHLO client is fine
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<u@test.local>\r\nRCPT TO:<v@test.local>\r\nDATA\r\n");
            starts("250 2.1.0", c.reply());
            starts("250 2.1.5", c.reply());
            starts("250 2.1.5", c.reply());
            starts("354", c.reply());
            c.send("body\r\n.\r\nQUIT\r\n");
            starts("250 2.0.0 Ok: queued", c.reply());
            starts("221", c.reply());
        }
        assertEquals(1, queue.committed.size());
    }

    @Test
    void unauthorisedPipeliningDisconnectsByDefault() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.send("HELO x.example\r\nMAIL FROM:<a@example.org>\r\n");
            starts("554 5.5.0 Error: SMTP protocol synchronization", c.reply());
            assertNull(c.reply());
        }
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            // the smuggling pattern: message content sent together with DATA, before the 354
            c.send("DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
            starts("554 5.5.0 Error: SMTP protocol synchronization", c.reply());
            assertNull(c.reply());
        }
        assertEquals(0, queue.committed.size());
    }

    @Test
    void bdatChunking() throws Exception {
        start();
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            starts("503 5.5.1 Error: need MAIL command", c.raw("BDAT 3\r\nabc"));
            c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME");
            c.cmd("RCPT TO:<u@test.local>");
            starts("503 5.5.1 Error: BODY=BINARYMIME requires BDAT", c.cmd("DATA"));
            // pipelined chunks, the second with LAST; bytes are taken as they are (no dot-unstuffing)
            c.send("BDAT 14\r\nSubject: b\r\n\r\nBDAT 10 LAST\r\n..x\r\ny\r\n\r\n");
            starts("250 2.0.0 Ok: 14 bytes", c.reply());
            starts("250 2.0.0 Ok: queued as", c.reply());
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            starts("250 2.0.0 Ok: 2 bytes", c.raw("BDAT 2\r\nab"));
            starts("503 5.5.1 Error: DATA and BDAT cannot be mixed", c.cmd("DATA"));
            starts("250 2.0.0", c.cmd("RSET"));
            starts("501 5.5.4 Syntax: BDAT count [LAST]", c.cmd("BDAT x"));
        }
        assertEquals(1, queue.committed.size());
        TestQueue.Stored m = queue.committed.getFirst();
        assertEquals("BINARYMIME", m.envelope().bodyType());
        assertTrue(m.text().endsWith("Subject: b\r\n\r\n..x\r\ny\r\n\r\n"), m.text());
    }

    @Test
    void bdatOversize() throws Exception {
        start(Map.of(SmtpSettings.MESSAGE_SIZE_LIMIT, "10"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            starts("250 2.0.0 Ok: 8 bytes", c.raw("BDAT 8\r\n01234567"));
            starts("552 5.3.4 Error: message file too big", c.raw("BDAT 8 LAST\r\n01234567"));
            starts("503 5.5.1", c.raw("BDAT 1 LAST\r\nx"));
            starts("250 2.0.0", c.cmd("RSET"));
        }
        assertEquals(0, queue.committed.size());
        assertEquals(0, queue.open.get());
    }

    @Test
    void timeoutReplies421() throws Exception {
        start(Map.of(SmtpSettings.SMTPD_TIMEOUT, "1s"), null, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            starts("421 4.4.2 mx.test.local Error: timeout exceeded", c.reply());
            assertNull(c.reply());
        }
    }

    @Test
    void connectionLimitsPerClientAddress() throws Exception {
        start(Map.of(), null, new ConnectionLimits(2, 0, Duration.ofMinutes(1), ip -> false), false);
        try (Raw a = new Raw(listener.port(), "127.0.0.2"); Raw b = new Raw(listener.port(), "127.0.0.2")) {
            starts("220", a.reply());
            starts("220", b.reply());
            try (Raw third = new Raw(listener.port(), "127.0.0.2")) {
                assertEquals("421 4.7.0 mx.test.local Error: too many connections from 127.0.0.2", third.reply());
                assertNull(third.reply());
            }
            try (Raw other = new Raw(listener.port(), "127.0.0.3")) {
                starts("220", other.reply());
            }
        }
    }

    @Test
    void proxyProtocolReplacesClientAddress() throws Exception {
        start(Map.of(), null, null, true);
        try (Raw c = new Raw(listener.port())) {
            c.send("PROXY TCP4 192.0.2.44 127.0.0.1 55555 25\r\n");
            starts("220", c.reply());
            c.cmd("EHLO x.example");
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<u@test.local>");
            c.cmd("DATA");
            starts("250", c.cmd("x\r\n."));
        }
        assertEquals("192.0.2.44", queue.committed.getFirst().envelope().client().ip().getHostAddress());
        assertTrue(policy.seen.stream().allMatch(f -> f.clientIp().getHostAddress().equals("192.0.2.44")));
    }

    @Test
    void starttlsDiscardsPipelinedPlaintextAndResets() throws Exception {
        TestCerts.Pem pem = TestCerts.write(dir, "mx.test.local", false, TestCerts.KeyFormat.PKCS8);
        TlsContext tls = TlsContext.fromPem(new TlsContext.CertSpec(null, pem.cert(), pem.key()), List.of(), List.of("TLSv1.2", "TLSv1.3"));
        // smtpd_forbid_unauth_pipelining=no: the injected bytes are discarded (with yes, the client is dropped)
        start(Map.of(SmtpSettings.SMTPD_TLS_RECEIVED_HEADER, "yes", SmtpSettings.SMTPD_FORBID_UNAUTH_PIPELINING, "no"), tls, null, false);
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            assertTrue(c.cmd("EHLO x.example").contains("250-STARTTLS"));
            // CVE-2011-0411: a command injected after STARTTLS must not be executed inside TLS
            c.send("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
            starts("220 2.0.0 Ready to start TLS", c.reply());
            Tls t = new Tls(c);
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", t.cmd("MAIL FROM:<a@example.org>"));
            String ehlo = t.cmd("EHLO x.example");
            assertFalse(ehlo.contains("STARTTLS"), ehlo);
            starts("554 5.5.1 Error: TLS already active", t.cmd("STARTTLS"));
            starts("221", t.cmd("QUIT"));
        }
        try (Raw c = new Raw(listener.port())) {
            c.reply();
            c.cmd("EHLO x.example");
            starts("220 2.0.0", c.cmd("STARTTLS"));
            Tls t = new Tls(c);
            t.cmd("EHLO x.example");
            starts("250 2.1.0", t.cmd("MAIL FROM:<a@example.org>"));
            starts("250 2.1.5", t.cmd("RCPT TO:<u@test.local>"));
            starts("354", t.cmd("DATA"));
            starts("250 2.0.0 Ok: queued", t.cmd("hello\r\n."));
        }
        TestQueue.Stored m = queue.committed.getFirst();
        assertEquals("a@example.org", m.envelope().sender().toString());
        assertEquals("ESMTPS", m.envelope().client().protocol());
        assertTrue(m.text().contains("\t(using TLSv1.3 with cipher TLS_"), m.text());
        assertTrue(m.text().contains("with ESMTPS id"), m.text());
    }

    /** The TLS side of a STARTTLS connection. */
    static final class Tls {
        final BufferedReader in;
        final OutputStream out;

        Tls(Raw c) throws Exception {
            javax.net.ssl.SSLSocket s = org.postern.net.NetTestAccess.client(c.s);
            s.startHandshake();
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            out = s.getOutputStream();
        }

        String cmd(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            StringBuilder sb = new StringBuilder();
            String l;
            do {
                l = in.readLine();
                if (l == null) {
                    return sb.toString();
                }
                sb.append(sb.isEmpty() ? "" : "\n").append(l);
            } while (l.length() > 3 && l.charAt(3) == '-');
            return sb.toString();
        }
    }

    static Process run(Path workDir, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        return pb.start();
    }

    static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void starttlsCertificateBySni() throws Exception {
        Path swaks = Peers.require("swaks");
        TestCerts.Pem def = TestCerts.write(dir, "mx.test.local", false, TestCerts.KeyFormat.PKCS8);
        TestCerts.Pem other = TestCerts.write(dir, "smtp.other.example", true, TestCerts.KeyFormat.TRADITIONAL);
        TlsContext tls = TlsContext.fromPem(new TlsContext.CertSpec(null, def.cert(), def.key()),
                List.of(new TlsContext.CertSpec("smtp.other.example", other.cert(), other.key())), List.of("TLSv1.2", "TLSv1.3"));
        start(Map.of(), tls, null, false);
        for (String[] want : new String[][] {{"smtp.other.example", "CN=smtp.other.example"}, {"unknown.example", "CN=mx.test.local"}}) {
            Path peer = dir.resolve("peer-" + want[0] + ".pem");
            String out = output(run(dir, swaks.toString(), "--server", "127.0.0.1:" + listener.port(), "--from", "a@example.org",
                    "--to", "u@test.local", "--tls", "--tls-sni", want[0], "--tls-get-peer-cert", peer.toString(), "--quit-after", "TLS"));
            assertTrue(Files.exists(peer), out);
            java.security.cert.X509Certificate cert = org.postern.net.tls.PemFiles.certificates(peer).getFirst();
            assertEquals(want[1], cert.getSubjectX500Principal().getName(), out);
        }
    }

    @Test
    void pythonSmtplibWithDsnAndUtf8() throws Exception {
        Path py = Peers.require("/usr/bin/python3");
        start();
        Path script = dir.resolve("send.py");
        Files.writeString(script, """
                import smtplib, sys
                s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='py.example')
                s.ehlo()
                assert s.has_extn('dsn') and s.has_extn('smtputf8') and s.has_extn('chunking')
                r = s.sendmail('sender@example.org', ['u@test.local', 'jörg@test.local'],
                               'Subject: from python\\r\\n\\r\\n.dot line\\r\\nbody\\r\\n'.encode(),
                               mail_options=['SMTPUTF8', 'RET=FULL', 'ENVID=abc'], rcpt_options=['NOTIFY=DELAY'])
                print('refused', r)
                try:
                    s.sendmail('sender@example.org', ['x@elsewhere.example'], b'x')
                except smtplib.SMTPRecipientsRefused as e:
                    print('relay', e.recipients['x@elsewhere.example'][0])
                s.quit()
                """);
        String out = output(run(dir, py.toString(), script.toString(), String.valueOf(listener.port())));
        assertTrue(out.contains("refused {}"), out);
        assertTrue(out.contains("relay 554"), out);
        TestQueue.Stored m = queue.committed.getFirst();
        assertTrue(m.envelope().smtputf8());
        assertEquals("jörg@test.local", m.envelope().recipients().get(1).address().toString());
        assertEquals(Set.of(Envelope.Notify.DELAY), m.envelope().recipients().get(1).notifyOn());
        assertEquals("FULL", m.envelope().dsnRet());
        assertTrue(m.text().endsWith("Subject: from python\r\n\r\n.dot line\r\nbody\r\n"), m.text());
    }

    @Test
    void swaksPipelineAndStarttls() throws Exception {
        Path swaks = Peers.require("swaks");
        TestCerts.Pem pem = TestCerts.write(dir, "mx.test.local", true, TestCerts.KeyFormat.TRADITIONAL);
        TlsContext tls = TlsContext.fromPem(new TlsContext.CertSpec(null, pem.cert(), pem.key()), List.of(), List.of("TLSv1.2", "TLSv1.3"));
        start(Map.of(), tls, null, false);
        String port = String.valueOf(listener.port());
        String out = output(run(dir, swaks.toString(), "--server", "127.0.0.1:" + port, "--from", "a@example.org",
                "--to", "u@test.local,v@test.local", "--pipeline", "--helo", "swaks.example", "--body", "pipelined"));
        assertTrue(out.contains("250 2.0.0 Ok: queued as"), out);
        out = output(run(dir, swaks.toString(), "--server", "127.0.0.1:" + port, "--from", "a@example.org",
                "--to", "u@test.local", "--tls", "--helo", "swaks.example", "--body", "secret"));
        assertTrue(out.contains("220 2.0.0 Ready to start TLS"), out);
        assertTrue(out.contains("250 2.0.0 Ok: queued as"), out);
        out = output(run(dir, swaks.toString(), "--server", "127.0.0.1:" + port, "--from", "a@example.org",
                "--to", "x@elsewhere.example", "--helo", "swaks.example"));
        assertTrue(out.contains("554 5.7.1 <x@elsewhere.example>: Relay access denied"), out);
        assertEquals(2, queue.committed.size());
        assertEquals(2, queue.committed.getFirst().envelope().recipients().size());
        assertEquals("ESMTPS", queue.committed.get(1).envelope().client().protocol());
    }
}
