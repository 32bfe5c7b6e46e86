package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postern.testkit.PosternProcess;
import org.postern.testkit.PostfixPeer;
import org.postern.testkit.SmtpClient;

/**
 * A real Postfix (a private instance, Debian's package) as the other side: relaying to our port 25
 * as an upstream MX or smarthost would, and delivering into our LMTP listener exactly as it does into
 * Dovecot's ({@code virtual_transport = lmtp:inet:127.0.0.1:PORT}).
 */
@Tag("peers")
class PostfixInteropIT {
    static PosternProcess server;

    @BeforeAll
    static void start() {
        server = PosternProcess.init();
        server.addUser("user@test.local", "user-Passw0rd");
        server.addUser("bench@test.local", "bench-Passw0rd");
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String message(String subject) {
        return "From: a@example.org\nTo: user@test.local\nSubject: " + subject + "\n\nhello\n.leading dot\n";
    }

    static String find(String address, String needle) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            for (var p : server.newMessages(address)) {
                String m = Files.readString(p, StandardCharsets.ISO_8859_1);
                if (m.contains(needle)) {
                    return m;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(address + " has no message containing " + needle + "\n" + server.logTail(40));
    }

    @Test
    void postfixRelaysToOurSmtpListener() throws Exception {
        try (PostfixPeer pf = PostfixPeer.relayTo(server.smtpPort())) {
            SmtpClient.Response r = SmtpClient.sendOne(pf.port(), "a@example.org", "user@test.local", message("via postfix smtp"));
            assertEquals(250, r.code(), r.raw());
            pf.awaitLog("to=<user@test.local>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + server.smtpPort()
                    + ".*status=sent \\(250 2\\.0\\.0 Ok: queued as \\w+\\)", 1, Duration.ofSeconds(60));
            String m = find("user@test.local", "Subject: via postfix smtp");
            assertTrue(m.startsWith("Return-Path: <a@example.org>"), m);
            assertTrue(m.contains("by peer.example.net (Postfix)"), "Postfix's own Received: kept\n" + m);
            assertTrue(m.matches("(?s).*Received: from peer\\.example\\.net .*by mail\\.test\\.local.*"), m);
            assertTrue(m.contains("\n.leading dot"), "dot-stuffing undone once\n" + m);

            // an unknown user is refused at RCPT; Postfix bounces it with our text
            r = SmtpClient.sendOne(pf.port(), "a@example.org", "nobody@test.local", message("to nobody"));
            assertEquals(250, r.code(), r.raw());
            pf.awaitLog("to=<nobody@test\\.local>.*status=bounced \\(host 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\] said: 550 5\\.1\\.1 "
                    + "<nobody@test\\.local>: Recipient address rejected: User unknown in virtual mailbox table", 1,
                    Duration.ofSeconds(60));
        }
    }

    @Test
    void postfixDeliversIntoOurLmtp() throws Exception {
        try (PostfixPeer pf = PostfixPeer.lmtpTo(server.lmtpPort(), "test.local")) {
            String body = "From: a@example.org\nTo: user@test.local, bench@test.local\nSubject: via postfix lmtp\n\nthree rcpts\n";
            try (SmtpClient c = SmtpClient.connect("127.0.0.1", pf.port())) {
                assertEquals(220, c.read().code());
                assertEquals(250, c.command("EHLO client.example.org").code());
                SmtpClient.Response r = c.sendMail("a@example.org",
                        List.of("user@test.local", "bench@test.local", "nobody@test.local"), body);
                assertEquals(250, r.code(), r.raw());
                c.command("QUIT");
            }
            // one LMTP reply per recipient (RFC 2033 4.2): two delivered, one refused
            String lmtp = "relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + server.lmtpPort();
            pf.awaitLog("to=<user@test\\.local>, " + lmtp + ".*status=sent \\(250 2", 1, Duration.ofSeconds(60));
            pf.awaitLog("to=<bench@test\\.local>, " + lmtp + ".*status=sent \\(250 2", 1, Duration.ofSeconds(60));
            pf.awaitLog("to=<nobody@test\\.local>, " + lmtp + ".*status=bounced .*said: 550 5\\.1\\.1 ", 1,
                    Duration.ofSeconds(60));
            String m = find("user@test.local", "Subject: via postfix lmtp");
            assertTrue(m.contains("Delivered-To: user@test.local"), m);
            String b = find("bench@test.local", "Subject: via postfix lmtp");
            assertTrue(b.contains("Delivered-To: bench@test.local"), b);
        }
    }
}
