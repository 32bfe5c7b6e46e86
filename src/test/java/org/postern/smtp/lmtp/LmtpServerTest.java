package org.postern.smtp.lmtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;
import org.postern.core.config.Config;
import org.postern.directory.Directory;
import org.postern.net.Listener;
import org.postern.server.config.AllSettings;
import org.postern.smtp.delivery.LocalDelivery;
import org.postern.smtp.inbound.SmtpServerConfig;
import org.postern.testkit.Peers;
import org.postern.testkit.PostfixPeer;

/** LMTP over TCP and a unix socket: raw dialogue, Python smtplib.LMTP, smtp-source -L and a real Postfix. */
class LmtpServerTest {

    @TempDir
    Path dir;

    final List<Listener> listeners = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        listeners.forEach(l -> l.stop(Duration.ofSeconds(2)));
    }

    /** Users u, v, full (over quota) and an alias ext -> x@remote.example; "down" makes the directory fail. */
    static final class TestDirectory implements Directory {
        final Set<String> users = Set.of("u@test.local", "v@test.local", "full@test.local", "bench@test.local");

        @Override
        public boolean isLocalDomain(String domain) {
            return domain.equals("test.local");
        }

        @Override
        public Resolution resolve(Address a) {
            if (a.localPart().equals("down")) {
                throw new DirectoryUnavailableException("database down", null);
            }
            if (users.contains(a.key())) {
                return new Resolution(List.of(new Mailbox(a, null)), List.of(), null, List.of());
            }
            if (a.key().equals("ext@test.local")) {
                return new Resolution(List.of(), List.of(Address.parse("x@remote.example")), null, List.of());
            }
            return Resolution.notFound("no such user", List.of());
        }

        @Override
        public Optional<Mailbox> mailbox(Address a) {
            return users.contains(a.key()) ? Optional.of(new Mailbox(a, null)) : Optional.empty();
        }

        @Override
        public Optional<String> passwordHash(String login) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    /** Writes each delivery to mail/LOCALPART/N.eml (the real Maildir delivery is the store's). */
    static final class FileDelivery implements LocalDelivery {
        final Path root;
        final AtomicInteger n = new AtomicInteger();
        final Map<String, AtomicInteger> perUser = new ConcurrentHashMap<>();

        FileDelivery(Path root) {
            this.root = root;
        }

        @Override
        public Outcome deliver(Address recipient, Address sender, MessageSource message, String queueId) {
            if (recipient.localPart().equals("full")) {
                return new Outcome(Reply.of(452, "4.2.2", "Mailbox full"), "over quota", List.of());
            }
            if (recipient.localPart().equals("ext")) {
                return new Outcome(Reply.of(250, "2.0.0", "Ok"), "forwarded", List.of(Address.parse("x@remote.example")));
            }
            try {
                Path d = Files.createDirectories(root.resolve(recipient.localPart()));
                Path f = d.resolve(n.incrementAndGet() + ".eml");
                try (InputStream in = message.open()) {
                    Files.copy(in, f);
                }
                perUser.computeIfAbsent(recipient.localPart(), k -> new AtomicInteger()).incrementAndGet();
                return new Outcome(Reply.of(250, "2.0.0", "Ok: delivered"), "delivered to file", List.of());
            } catch (IOException e) {
                return new Outcome(Reply.of(451, "4.3.0", "Error: " + e.getMessage()), "error", List.of());
            }
        }
    }

    FileDelivery delivery;

    LmtpServer server() throws Exception {
        Config c = Config.defaults(AllSettings.list());
        delivery = new FileDelivery(dir.resolve("mail"));
        return new LmtpServer(SmtpServerConfig.lmtp(c, "lmtp.test.local"), new TestDirectory(), delivery, null, dir.resolve("spool"));
    }

    Listener tcp(LmtpServer s) throws Exception {
        Config c = Config.defaults(AllSettings.list());
        Listener l = new Listener(LmtpServer.listenerOptions(c, "lmtp", new InetSocketAddress("127.0.0.1", 0)), s).start();
        listeners.add(l);
        return l;
    }

    Listener unix(LmtpServer s, Path socket) throws Exception {
        Config c = Config.defaults(AllSettings.list());
        Listener l = new Listener(LmtpServer.listenerOptions(c, "lmtp", UnixDomainSocketAddress.of(socket)), s).start();
        listeners.add(l);
        return l;
    }

    static String reply(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        String l;
        do {
            l = in.readLine();
            sb.append(sb.isEmpty() ? "" : "\n").append(l);
        } while (l != null && l.length() > 3 && l.charAt(3) == '-');
        return sb.toString();
    }

    static void starts(String prefix, String r) {
        assertTrue(r.startsWith(prefix), "expected '" + prefix + "' but got: " + r);
    }

    @Test
    void perRecipientRepliesOverTcp() throws Exception {
        Listener l = tcp(server());
        try (Socket s = new Socket("127.0.0.1", l.port())) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            starts("220 lmtp.test.local LMTP", reply(in));
            out.write("EHLO x\r\n".getBytes(StandardCharsets.US_ASCII));
            starts("502 5.5.2", reply(in));
            out.write("MAIL FROM:<a@example.org>\r\n".getBytes(StandardCharsets.US_ASCII));
            starts("503 5.5.1 Error: send LHLO first", reply(in));
            out.write("LHLO mta.example\r\n".getBytes(StandardCharsets.US_ASCII));
            String lhlo = reply(in);
            assertTrue(lhlo.startsWith("250-lmtp.test.local\n250-PIPELINING") && !lhlo.contains("STARTTLS"), lhlo);
            // pipelined like Postfix's LMTP client does
            out.write(("MAIL FROM:<a@example.org>\r\nRCPT TO:<u@test.local>\r\nRCPT TO:<nobody@test.local>\r\n"
                    + "RCPT TO:<full@test.local>\r\nRCPT TO:<down@test.local>\r\nRCPT TO:<v@test.local>\r\n"
                    + "RCPT TO:<someone@elsewhere.example>\r\nRCPT TO:<ext@test.local>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
            starts("250 2.1.0", reply(in));
            starts("250 2.1.5", reply(in));
            assertEquals("550 5.1.1 <nobody@test.local>: User unknown", reply(in));
            starts("250 2.1.5", reply(in));
            assertEquals("451 4.3.0 <down@test.local>: Temporary lookup failure", reply(in));
            starts("250 2.1.5", reply(in));
            assertEquals("550 5.1.1 <someone@elsewhere.example>: User unknown", reply(in));
            starts("250 2.1.5", reply(in));
            starts("354", reply(in));
            out.write("Subject: lmtp\r\n\r\n..dot\r\nbody\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            // one reply per accepted recipient, in RCPT order
            assertEquals("250 2.0.0 <u@test.local> Ok: delivered", reply(in));
            assertEquals("452 4.2.2 <full@test.local> Mailbox full", reply(in));
            assertEquals("250 2.0.0 <v@test.local> Ok: delivered", reply(in));
            // an alias to another domain needs the queue; none configured here: deferred
            assertEquals("451 4.3.0 <ext@test.local> Error: cannot forward now", reply(in));
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            starts("221", reply(in));
        }
        String msg = Files.readString(dir.resolve("mail/u/1.eml"));
        assertTrue(msg.startsWith("Received: from mta.example (unknown [127.0.0.1])\r\n\tby lmtp.test.local (Postern) with LMTP id L"), msg);
        assertTrue(msg.endsWith("Subject: lmtp\r\n\r\n.dot\r\nbody\r\n"), msg);
        try (Stream<Path> spool = Files.list(dir.resolve("spool"))) {
            assertEquals(0, spool.count(), "spool files left behind");
        }
    }

    @Test
    void pythonLmtpOverUnixSocketAndBdat() throws Exception {
        Path py = Peers.require("/usr/bin/python3");
        LmtpServer s = server();
        Path sock = dir.resolve("run/lmtp.sock");
        unix(s, sock);
        Path script = dir.resolve("lmtp.py");
        Files.writeString(script, """
                import smtplib, sys
                c = smtplib.LMTP(sys.argv[1])
                c.ehlo('py.example')
                print('refused', c.sendmail('a@example.org', ['u@test.local'], b'Subject: unix\\r\\n\\r\\nhello\\r\\n'))
                c.quit()
                """);
        Process p = new ProcessBuilder(py.toString(), script.toString(), sock.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.contains("refused {}"), out);
        assertEquals(1, delivery.perUser.get("u").get());
        // BDAT over the unix socket: per-recipient replies after LAST
        try (var ch = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(java.nio.channels.Channels.newInputStream(ch), StandardCharsets.UTF_8));
            OutputStream o = java.nio.channels.Channels.newOutputStream(ch);
            reply(in);
            o.write("LHLO x.example\r\nMAIL FROM:<>\r\nRCPT TO:<u@test.local>\r\nRCPT TO:<v@test.local>\r\nBDAT 7 LAST\r\nhi\r\n\r\n.".getBytes(StandardCharsets.US_ASCII));
            starts("250-", reply(in));
            starts("250 2.1.0", reply(in));
            starts("250 2.1.5", reply(in));
            starts("250 2.1.5", reply(in));
            assertEquals("250 2.0.0 <u@test.local> Ok: delivered", reply(in));
            assertEquals("250 2.0.0 <v@test.local> Ok: delivered", reply(in));
        }
        assertEquals(2, delivery.perUser.get("u").get());
    }

    @Test
    void smtpSourceLmtpLoad() throws Exception {
        Path source = Peers.require("smtp-source");
        Listener l = tcp(server());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(source.toString(), "-L", "-s", "5", "-m", "200", "-l", "4096", "-f", "a@example.org",
                "-t", "bench@test.local", "127.0.0.1:" + l.port()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(200, delivery.perUser.get("bench").get(), out);
        System.out.printf("smtp-source -L: 200 messages in %.2fs (%.0f msg/s)%n", secs, 200 / secs);
    }

    @Test
    void realPostfixDeliversOverLmtpTcpAndUnix() throws Exception {
        LmtpServer s = server();
        Listener l = tcp(s);
        try (PostfixPeer pf = PostfixPeer.lmtpTo(l.port(), "test.local")) {
            send(pf.port(), "u@test.local", "over tcp");
            pf.awaitLog("to=<u@test.local>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + l.port() + ".*status=sent", 1, Duration.ofSeconds(30));
            send(pf.port(), "nobody@test.local", "unknown");
            pf.awaitLog("to=<nobody@test.local>.*status=bounced \\(host 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\] said: 550 5\\.1\\.1 <nobody@test.local>: User unknown",
                    1, Duration.ofSeconds(30));
            // the same Postfix over a unix socket (lmtp:unix:/path), as with Dovecot's private/dovecot-lmtp
            Path sockDir = Files.createDirectories(dir.resolve("sock"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path sock = sockDir.resolve("lmtp.sock");
            unix(s, sock);
            pf.reconfigure("virtual_transport", "lmtp:unix:" + sock);
            send(pf.port(), "v@test.local", "over unix");
            pf.awaitLog("to=<v@test.local>, relay=[^ ]*\\Q" + sock + "\\E\\].*status=sent", 1, Duration.ofSeconds(30));
        }
        assertEquals(1, delivery.perUser.get("u").get());
        assertEquals(1, delivery.perUser.get("v").get());
        String m = Files.readString(dir.resolve("mail/u/1.eml"));
        assertTrue(m.contains("with LMTP id") && m.contains("over tcp"), m);
    }

    static void send(int port, String rcpt, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            for (String c : new String[] {"EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<" + rcpt + ">", "DATA"}) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                String r = reply(in);
                assertTrue(r.startsWith("2") || r.startsWith("3"), c + " -> " + r);
            }
            out.write(("Subject: " + body + "\r\n\r\n" + body + "\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            starts("250", reply(in));
        }
    }
}
