package org.postern.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The harness itself: a private Postfix in each of its modes, against real sockets. */
@Tag("peers")
class PostfixPeerTest {

    static String message(String subject) {
        return "From: a@example.org\nTo: bench@test.local\nSubject: " + subject + "\n\nhello\n.leading dot\n";
    }

    @Test
    void baselineDeliversIntoItsOwnMaildir() {
        try (PostfixPeer pf = PostfixPeer.deliverToMaildir("test.local", "bench")) {
            SmtpClient.Response r = SmtpClient.sendOne(pf.port(), "a@example.org", "bench@test.local", message("one"));
            assertEquals(250, r.code(), r.raw());
            // unknown user: Postfix's own wording, which our server copies
            SmtpClient.Response u = SmtpClient.sendOne(pf.port(), "a@example.org", "nobody@test.local", message("x"));
            assertEquals(550, u.code(), u.raw());
            assertTrue(u.text().contains("User unknown in virtual mailbox table"), u.raw());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (PostfixPeer.countNew(pf.maildir("test.local", "bench")) < 1 && System.nanoTime() < end) {
                PostfixPeer.sleep(50);
            }
            assertEquals(1, PostfixPeer.countNew(pf.maildir("test.local", "bench")), pf.log());
        }
    }

    @Test
    void relaysToAnotherInstance() {
        try (PostfixPeer target = PostfixPeer.deliverToMaildir("test.local", "bench");
             PostfixPeer relay = PostfixPeer.relayTo(target.port())) {
            SmtpClient.Response r = SmtpClient.sendOne(relay.port(), "a@example.org", "bench@test.local", message("relayed"));
            assertEquals(250, r.code(), r.raw());
            relay.awaitLog("status=sent .*250 2\\.0\\.0 Ok", 1, Duration.ofSeconds(30));
            target.awaitLog("status=sent \\(delivered to maildir\\)", 1, Duration.ofSeconds(30));
            assertEquals(1, PostfixPeer.countNew(target.maildir("test.local", "bench")));
        }
    }

    @Test
    void deliversOverLmtp() throws Exception {
        try (ServerSocket lmtp = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> transcript = CompletableFuture.supplyAsync(() -> fakeLmtp(lmtp));
            try (PostfixPeer pf = PostfixPeer.lmtpTo(lmtp.getLocalPort(), "test.local")) {
                SmtpClient.Response r = SmtpClient.sendOne(pf.port(), "a@example.org", "bench@test.local", message("lmtp"));
                assertEquals(250, r.code(), r.raw());
                String t = transcript.get(30, TimeUnit.SECONDS);
                assertTrue(t.startsWith("LHLO "), t);
                assertTrue(t.contains("RCPT TO:<bench@test.local>"), t);
                assertTrue(t.contains("Subject: lmtp"), t);
                pf.awaitLog("relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + lmtp.getLocalPort() + ".*status=sent", 1,
                        Duration.ofSeconds(30));
                assertTrue(Files.size(pf.logFile()) > 0);
            }
        }
    }

    /** Minimal LMTP responder (one recipient, one message): just enough to see what Postfix sends. */
    private static String fakeLmtp(ServerSocket server) {
        StringBuilder seen = new StringBuilder();
        try (Socket s = server.accept()) {
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            out.write("220 fake LMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            boolean data = false;
            int rcpts = 0;
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c != '\n') {
                    if (c != '\r') {
                        line.append((char) c);
                    }
                    continue;
                }
                String l = line.toString();
                line.setLength(0);
                seen.append(l).append('\n');
                String reply = null;
                if (data) {
                    if (l.equals(".")) {
                        data = false;
                        StringBuilder b = new StringBuilder();
                        for (int i = 0; i < rcpts; i++) {
                            b.append("250 2.0.0 Ok\r\n");
                        }
                        out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
                    }
                    continue;
                }
                String u = l.toUpperCase();
                if (u.startsWith("LHLO")) {
                    reply = "250-fake\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES";
                } else if (u.startsWith("RCPT")) {
                    rcpts++;
                    reply = "250 2.1.5 Ok";
                } else if (u.startsWith("DATA")) {
                    data = true;
                    reply = "354 go";
                } else if (u.startsWith("QUIT")) {
                    out.write("221 2.0.0 Bye\r\n".getBytes(StandardCharsets.US_ASCII));
                    break;
                } else {
                    reply = "250 2.0.0 Ok";
                }
                out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            seen.append("error: ").append(e);
        }
        return seen.toString();
    }

    @Test
    void instancesAreIndependent() {
        try (PostfixPeer a = PostfixPeer.deliverToMaildir("test.local", "bench");
             PostfixPeer b = PostfixPeer.deliverToMaildir("test.local", "bench")) {
            assertTrue(a.port() != b.port());
            assertTrue(!a.name().equals(b.name()));
            assertEquals(List.of(), a.sentIds());
        }
    }
}
