package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.postern.testkit.Cmd;
import org.postern.testkit.Peers;
import org.postern.testkit.PosternProcess;
import org.postern.testkit.ScriptRunner;
import org.postern.testkit.SmtpClient;

/**
 * The inbound MX from the outside, against the real server process: seed 003's relay rules 1-2
 * and the classic open-relay probes (the very scripts {@code ScriptRunnerTest} runs against a real
 * Postfix, so both servers must answer alike), SMTP smuggling and bare-newline probes checked in
 * the Maildir and the queue, the size limit, and real clients (swaks with pipelining, Python's
 * smtplib, curl).
 *
 * <p>Configured like the Postfix in {@code ScriptRunnerTest}: {@code mynetworks = 127.0.0.1/32};
 * a stranger connects from 127.0.0.2.
 */
class SmtpIT {
    static final String STRANGER = "127.0.0.2";
    static final long SIZE_LIMIT = 200_000;
    static PosternProcess server;
    static String bench = "bench@" + PosternProcess.DOMAIN;

    @BeforeAll
    static void start() {
        server = PosternProcess.init();
        server.set("smtpd", "mynetworks", "127.0.0.1/32");
        server.set("smtpd", "message_size_limit", Long.toString(SIZE_LIMIT));
        server.addUser(bench, "bench-Passw0rd");
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ScriptRunner runner() {
        return new ScriptRunner().port("smtp", server.smtpPort()).var("domain", PosternProcess.DOMAIN);
    }

    static String message(String subject, String body) {
        return "From: a@example.org\nTo: " + bench + "\nSubject: " + subject + "\n\n" + body + "\n";
    }

    /** Messages in bench's Maildir whose text contains {@code needle}. */
    static List<String> messagesContaining(String needle) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : server.newMessages(bench)) {
            String m = Files.readString(p, StandardCharsets.ISO_8859_1);
            if (m.contains(needle)) {
                out.add(m);
            }
        }
        return out;
    }

    static List<String> awaitMessagesContaining(String needle, int count) throws IOException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> got = messagesContaining(needle);
        while (got.size() < count && System.nanoTime() < end) {
            sleep(100);
            got = messagesContaining(needle);
        }
        assertEquals(count, got.size(), "messages containing " + needle + "\n" + server.logTail(40));
        return got;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The header section of a stored message (up to the first empty line). */
    static String headers(String message) {
        String m = message.replace("\r\n", "\n");
        int end = m.indexOf("\n\n");
        return end < 0 ? m : m.substring(0, end + 1);
    }

    // ------------------------------------------------------------------ relay matrix (seed 003 rules 1-2)

    /** The scripts that pin down Postfix's answers, run against Postern unchanged. */
    @TestFactory
    List<DynamicTest> sameAnswersAsPostfix() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path s : ScriptRunner.scripts("scripts/postfix")) {
            tests.add(DynamicTest.dynamicTest(s.getFileName().toString(), () -> runner().run(s)));
        }
        return tests;
    }

    @Test
    void strangerReachesOurUsers() throws Exception {
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", server.smtpPort(), STRANGER)) {
            assertEquals(220, c.read().code());
            assertEquals(250, c.command("EHLO outside.example.net").code());
            SmtpClient.Response r = c.sendMail("a@example.org", List.of(bench), message("rule 1", "from outside"));
            assertTrue(r.code() == 250 && r.text().startsWith("2.0.0 Ok: queued as "), r.raw());
            assertEquals(221, c.command("QUIT").code());
        }
        String m = awaitMessagesContaining("Subject: rule 1", 1).getFirst();
        assertTrue(m.contains("[127.0.0.2]"), "Received: names the client address\n" + m);
    }

    /** The default listener is every address, IPv6 too (Postfix's inet_protocols = all). */
    @Test
    void ipv6ClientsAreServedAndNamedAsAddressLiterals() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6Loopback(), "this host has no IPv6 loopback");
        try (SmtpClient c = SmtpClient.connect("::1", server.smtpPort())) {
            assertEquals(220, c.read().code());
            assertEquals(250, c.command("EHLO client.example.net").code());
            SmtpClient.Response r = c.sendMail("a@example.org", List.of(bench), message("over IPv6", "via ::1"));
            assertTrue(r.code() == 250 && r.text().startsWith("2.0.0 Ok: queued as "), r.raw());
            assertEquals(221, c.command("QUIT").code());
        }
        String m = awaitMessagesContaining("Subject: over IPv6", 1).getFirst();
        assertTrue(m.contains("[IPv6:::1]"), "Received: names the client as an RFC 5321 IPv6 literal\n" + m);
    }

    private static boolean ipv6Loopback() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("::1"), 0));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void strangerCannotRelay() {
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", server.smtpPort(), STRANGER)) {
            assertEquals(220, c.read().code());
            assertEquals(250, c.command("EHLO outside.example.net").code());
            assertEquals(250, c.command("MAIL FROM:<a@example.org>").code());
            assertEquals("554 5.7.1 <x@other.example>: Relay access denied", c.command("RCPT TO:<x@other.example>").raw());
            assertEquals("550 5.1.1 <nobody@test.local>: Recipient address rejected: User unknown in virtual mailbox table",
                    c.command("RCPT TO:<nobody@test.local>").raw());
            // every classic open-relay trick is refused (none may reach other.example)
            for (String probe : List.of("user%other.example@test.local", "other.example!user@test.local",
                    "@test.local:user@other.example", "\"user@other.example\"@test.local", "user@other.example@test.local",
                    "user@other.example.", "<user@other.example>")) {
                SmtpClient.Response r = c.command("RCPT TO:<" + probe + ">");
                assertTrue(r.code() >= 500 && r.code() <= 599, probe + " -> " + r.raw());
            }
            SmtpClient.Response data = c.command("DATA");
            assertTrue(data.code() == 554 || data.code() == 503, "no valid recipients: " + data.raw());
            assertEquals(221, c.command("QUIT").code());
        }
        assertFalse(server.cli("queue", "list").ok().out().contains("other.example"), "nothing queued for relay");
    }

    @Test
    void mynetworksMayRelayAndTheMessageWaitsInTheQueue() {
        String rcpt = "friend@remote-relay.example";
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", server.smtpPort(), "127.0.0.1")) {
            assertEquals(220, c.read().code());
            assertEquals(250, c.command("EHLO inside.test.local").code());
            SmtpClient.Response r = c.sendMail("local@test.local", List.of(rcpt), "Subject: outbound\n\nto the world\n");
            assertEquals(250, r.code(), r.raw());
            assertEquals(221, c.command("QUIT").code());
        }
        // remote delivery does not exist yet: the message waits, visible like mailq shows it
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String q;
        do {
            q = server.cli("queue", "list").ok().out();
        } while (!q.contains(rcpt) && System.nanoTime() < end);
        assertTrue(q.contains(rcpt), q);
        assertTrue(q.contains("local@test.local"), q);
    }

    // ------------------------------------------------------------------ smuggling and bare newlines

    @TestFactory
    List<DynamicTest> smugglingNeverSplitsAMessage() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path s : ScriptRunner.scripts("scripts/smuggling")) {
            String probe = "probe-" + s.getFileName().toString().replace(".txt", "");
            tests.add(DynamicTest.dynamicTest(s.getFileName().toString(), () -> {
                String transcript = runner().var("probe", probe).run(s);
                boolean accepted = transcript.contains("S: 250 2.0.0 Ok: queued as ");
                // one message at most, and nothing that starts with the smuggled headers
                List<String> found = accepted ? awaitMessagesContaining(probe, 1) : messagesContaining(probe);
                assertTrue(found.size() <= 1, found.size() + " messages for " + probe);
                for (String m : found) {
                    assertTrue(headers(m).contains("X-Probe: " + probe), m);
                    assertFalse(headers(m).contains("X-Smuggled"), "smuggled headers became a message:\n" + m);
                    assertTrue(m.contains("smuggled body"), "the rest stayed in the one message body");
                }
                String queue = server.cli("queue", "list").ok().out();
                assertFalse(queue.contains("evil@example.org"), "a smuggled transaction is queued:\n" + queue);
                assertEquals(0, server.logLines("from=<evil@example\\.org>").size(), "a smuggled MAIL FROM was accepted");
            }));
        }
        return tests;
    }

    @Test
    void bareNewlinesInTheBodyAreStoredAsLines() throws Exception {
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", server.smtpPort())) {
            assertEquals(220, c.read().code());
            assertEquals(250, c.command("EHLO client.example.org").code());
            assertEquals(250, c.command("MAIL FROM:<a@example.org>").code());
            assertEquals(250, c.command("RCPT TO:<" + bench + ">").code());
            assertEquals(354, c.command("DATA").code());
            c.raw("Subject: bare-lf-body\r\n\r\nline one\nline two\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            SmtpClient.Response r = c.read();
            assertTrue(r.code() == 250 || (r.code() == 550 && r.text().startsWith("5.5.2")), r.raw());
            assertEquals(221, c.command("QUIT").code());
            if (r.code() == 250) {
                String m = awaitMessagesContaining("Subject: bare-lf-body", 1).getFirst();
                assertTrue(m.contains("line one") && m.contains("line two"), m);
            }
        }
    }

    // ------------------------------------------------------------------ size limit

    @Test
    void oversizeIsRefused() throws Exception {
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", server.smtpPort())) {
            assertEquals(220, c.read().code());
            SmtpClient.Response ehlo = c.command("EHLO client.example.org");
            assertTrue(ehlo.lines().contains("SIZE " + SIZE_LIMIT), ehlo.raw());
            // announced too big: refused at MAIL (RFC 1870)
            SmtpClient.Response mail = c.command("MAIL FROM:<a@example.org> SIZE=" + (SIZE_LIMIT + 1));
            assertEquals(552, mail.code(), mail.raw());
            assertTrue(mail.text().startsWith("5.3.4 "), mail.raw());
            // not announced, but too big on the wire: refused at the end of DATA
            assertEquals(250, c.command("MAIL FROM:<a@example.org>").code());
            assertEquals(250, c.command("RCPT TO:<" + bench + ">").code());
            assertEquals(354, c.command("DATA").code());
            StringBuilder big = new StringBuilder("Subject: too-big\r\n\r\n");
            String line = "x".repeat(76) + "\r\n";
            while (big.length() < SIZE_LIMIT + 50_000) {
                big.append(line);
            }
            big.append(".\r\n");
            c.raw(big.toString().getBytes(StandardCharsets.US_ASCII));
            SmtpClient.Response r = c.read();
            assertEquals("552 5.3.4 Error: message file too big", r.raw(), "Postfix 3.7's words for this");
            // the session goes on
            assertEquals(250, c.command("RSET").code());
            assertEquals(221, c.command("QUIT").code());
        }
        sleep(500);
        assertEquals(0, messagesContaining("Subject: too-big").size());
    }

    // ------------------------------------------------------------------ real clients

    @Test
    void swaksWithPipelining() throws Exception {
        Path swaks = Peers.require("swaks");
        Cmd.Result r = Cmd.run(Duration.ofSeconds(60), List.of(swaks.toString(), "--server",
                "127.0.0.1:" + server.smtpPort(), "--pipeline", "--ehlo", "client.example.org", "--from", "a@example.org",
                "--to", bench, "--header", "Subject: swaks-pipelined", "--body", "pipelined by swaks"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("<** ") == false, r.output());
        assertTrue(r.output().contains("250 2.0.0 Ok: queued as "), r.output());
        awaitMessagesContaining("Subject: swaks-pipelined", 1);

        // a pipelined refusal: swaks reports it, nothing is delivered
        Cmd.Result denied = Cmd.run(Duration.ofSeconds(60), List.of(swaks.toString(), "--server",
                "127.0.0.1:" + server.smtpPort(), "--pipeline", "--local-interface", STRANGER, "--from", "a@example.org",
                "--to", "x@other.example", "--header", "Subject: swaks-relay"));
        assertTrue(denied.exit() != 0, denied.output());
        assertTrue(denied.output().contains("554 5.7.1 <x@other.example>: Relay access denied"), denied.output());
    }

    @Test
    void pythonSmtplib() throws Exception {
        Path python = Peers.require("/usr/bin/python3");
        String script = """
                import smtplib, sys
                from email.message import EmailMessage
                port = int(sys.argv[1])
                m = EmailMessage()
                m["From"] = "a@example.org"; m["To"] = "bench@test.local"; m["Subject"] = "python-smtplib"
                m.set_content("sent by smtplib\\n.leading dot\\n")
                with smtplib.SMTP("127.0.0.1", port, local_hostname="py.example.org") as s:
                    code, _ = s.ehlo()
                    assert code == 250 and s.has_extn("pipelining") and s.has_extn("size"), s.esmtp_features
                    refused = s.send_message(m)
                    print("refused", refused)
                with smtplib.SMTP("127.0.0.1", port, local_hostname="py.example.org", source_address=("127.0.0.2", 0)) as s:
                    try:
                        s.sendmail("a@example.org", ["x@other.example"], "Subject: no\\r\\n\\r\\nno\\r\\n")
                        print("relayed!")
                    except smtplib.SMTPRecipientsRefused as e:
                        code, text = e.recipients["x@other.example"]
                        print("denied", code, text.decode())
                """;
        Path f = Files.createTempFile("smtplib-", ".py");
        try {
            Files.writeString(f, script);
            Cmd.Result r = Cmd.run(Duration.ofSeconds(60), List.of(python.toString(), f.toString(),
                    Integer.toString(server.smtpPort())));
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("refused {}"), r.output());
            assertTrue(r.output().contains("denied 554 5.7.1 <x@other.example>: Relay access denied"), r.output());
        } finally {
            Files.deleteIfExists(f);
        }
        String m = awaitMessagesContaining("Subject: python-smtplib", 1).getFirst();
        assertTrue(m.contains("\n.leading dot") || m.contains("\r\n.leading dot"), "dot-stuffing undone:\n" + m);
    }

    @Test
    void curl() throws Exception {
        Path curl = Peers.require("curl");
        Path msg = Files.createTempFile("curl-", ".eml");
        try {
            Files.writeString(msg, "From: a@example.org\r\nTo: " + bench + "\r\nSubject: curl-smtp\r\n\r\nsent by curl\r\n");
            Cmd.Result r = Cmd.run(Duration.ofSeconds(60), List.of(curl.toString(), "-sS", "--fail",
                    "smtp://127.0.0.1:" + server.smtpPort() + "/client.example.org", "--mail-from", "a@example.org",
                    "--mail-rcpt", bench, "--upload-file", msg.toString()));
            assertEquals(0, r.exit(), r.output());
            Cmd.Result denied = Cmd.run(Duration.ofSeconds(60), List.of(curl.toString(), "-sS",
                    "smtp://127.0.0.1:" + server.smtpPort() + "/client.example.org", "--interface", STRANGER,
                    "--mail-from", "a@example.org", "--mail-rcpt", "x@other.example", "--upload-file", msg.toString()));
            assertTrue(denied.exit() != 0, denied.output());
            assertTrue(denied.output().contains("554"), denied.output());
        } finally {
            Files.deleteIfExists(msg);
        }
        awaitMessagesContaining("Subject: curl-smtp", 1);
    }
}
