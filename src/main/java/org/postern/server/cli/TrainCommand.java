package org.postern.server.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.postern.core.Address;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.postern.directory.password.Passwords;
import org.postern.server.Assembly;
import org.postern.server.config.ConfigLoader;
import org.postern.server.config.ServerSettings;
import org.postern.server.logging.Logging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code postern aot-train DIR} (hidden; run by the launcher): a training run for the JVM's
 * ahead-of-time cache (JEP 483/514/515). It initialises a throw-away server under DIR, listening on
 * free loopback ports only, and sends it a typical inbound load: concurrent SMTP sessions (some with
 * STARTTLS) delivering to a local mailbox, rejected recipients, and an LMTP session. The JVM run with
 * {@code -XX:AOTCacheOutput} then stores the loaded classes and the method profiles it saw, so a later
 * {@code serve} starts with them instead of learning them under its first real load. DIR is removed
 * at the end.
 */
@Command(name = "aot-train", hidden = true,
        description = "Run a training load against a throw-away server in DIR (for the JVM's ahead-of-time cache).")
public final class TrainCommand implements Callable<Integer> {
    private static final String DOMAIN = "train.test";

    @Parameters(paramLabel = "DIR", description = "scratch directory (created, then removed)")
    Path dir;

    @Option(names = "--messages", defaultValue = "15000", description = "messages to send over SMTP (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--sessions", defaultValue = "20", description = "concurrent SMTP sessions (default ${DEFAULT-VALUE})")
    int sessions;

    @Option(names = "--max-seconds", defaultValue = "60", description = "stop sending after this long (default ${DEFAULT-VALUE})")
    int maxSeconds;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir)) {
            throw new CliException(dir + " already exists; aot-train needs a new scratch directory");
        }
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Path conf = Initializer.init(new Initializer.Options(dir, "mx." + DOMAIN, DOMAIN, 0, List.of()), quiet);
        int smtpPort = freePort();
        int lmtpPort = freePort();
        Map<Setting<?>, String> overrides = new HashMap<>();
        overrides.put(ServerSettings.SMTP, "127.0.0.1:" + smtpPort);
        overrides.put(ServerSettings.LMTP, "127.0.0.1:" + lmtpPort);
        overrides.put(ServerSettings.LMTP_SOCKET, "");
        for (var s : List.of(ServerSettings.SUBMISSION, ServerSettings.SUBMISSIONS, ServerSettings.IMAP, ServerSettings.IMAPS,
                ServerSettings.POP3, ServerSettings.POP3S)) {
            overrides.put(s, "");
        }
        // The log takes the same path as in production (the batched writer), into a file here.
        overrides.put(ServerSettings.LOG_STDOUT, "no");
        overrides.put(ServerSettings.LOG_FILE, "train.log");
        Config c = ConfigLoader.standard().load(conf).with(overrides);
        Logging.configure(c);
        DirectoryCommands.admin(c, d -> {
            char[] pw = java.util.UUID.randomUUID().toString().toCharArray();
            d.addUser(Address.parse("t@" + DOMAIN), Passwords.hash("SHA512-CRYPT", pw), null);
            d.addAlias("alias@" + DOMAIN, List.of("t@" + DOMAIN));
            return null;
        });
        long t0 = System.nanoTime();
        Assembly server = ServeCommand.start(c, "aot-train: ");
        int delivered;
        try {
            SSLContext tls = trusting(dir.resolve("tls/cert.pem"));
            AtomicInteger left = new AtomicInteger(messages);
            AtomicInteger sent = new AtomicInteger();
            long until = System.nanoTime() + Duration.ofSeconds(maxSeconds).toNanos();
            List<Thread> clients = new ArrayList<>();
            java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            Thread.Builder builder = Thread.ofVirtual().uncaughtExceptionHandler((t, e) -> failures.add(e));
            for (int i = 0; i < sessions; i++) {
                boolean starttls = i % 5 == 0;
                int id = i;
                clients.add(builder.start(() -> smtpClient(smtpPort, id, starttls ? tls : null, left, sent, until)));
            }
            clients.add(builder.start(() -> lmtpClient(lmtpPort, 300, sent)));
            for (Thread t : clients) {
                t.join();
            }
            if (!failures.isEmpty()) {
                throw new CliException("aot-train: " + failures.size() + " client sessions failed, the first: "
                        + failures.peek().getMessage());
            }
            delivered = awaitDelivery(dir.resolve("mail").resolve(DOMAIN).resolve("t").resolve("new"), sent.get(), 60);
            if (delivered < sent.get()) {
                throw new CliException("aot-train: only " + delivered + " of " + sent.get() + " messages were delivered within 60 s");
            }
        } finally {
            server.close();
            Logging.shutdown();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("postern: aot-train: " + delivered + " messages delivered in " + ms + " ms");
        deleteTree(dir);
        return 0;
    }

    /** One client sending messages until none are left or time is up, 50 per connection. */
    private static void smtpClient(int port, int id, SSLContext tls, AtomicInteger left, AtomicInteger sent, long until) {
        int n = 0;
        boolean more = true;
        while (more) {
            try (Session s = Session.open(port)) {
                s.expect(220);
                s.command("EHLO client" + id + ".train.test", 250);
                if (tls != null) {
                    s.command("STARTTLS", 220);
                    s.startTls(tls, port);
                    s.command("EHLO client" + id + ".train.test", 250);
                }
                for (int i = 0; i < 50 && (more = left.getAndDecrement() > 0 && System.nanoTime() < until); i++, n++) {
                    s.command("MAIL FROM:<sender" + id + "@example.org> SIZE=" + (4096 + n % 7 * 1000), 250);
                    // A refused recipient now and then (unknown user, bad syntax): the reject paths.
                    if (n % 50 == 7) {
                        s.command("RCPT TO:<nobody" + n + "@" + DOMAIN + ">", 550);
                    } else if (n % 50 == 23) {
                        s.command("RCPT TO:<two words@" + DOMAIN + ">", 501);
                    } else if (n % 50 == 41) {
                        s.command("RSET", 250);
                        s.command("NOOP", 250);
                        s.command("MAIL FROM:<sender" + id + "@example.org>", 250);
                    }
                    s.command("RCPT TO:<" + (n % 10 == 3 ? "alias" : "t+tag" + n % 4) + "@" + DOMAIN + ">", 250);
                    s.command("DATA", 354);
                    s.write(message(id, n));
                    s.expect(250);
                    sent.incrementAndGet();
                }
                s.command("QUIT", 221);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("training SMTP session " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** One LMTP session (RFC 2033), as Postfix's lmtp client would hold it. */
    private static void lmtpClient(int port, int count, AtomicInteger sent) {
        try (Session s = Session.open(port)) {
            s.expect(220);
            s.command("LHLO postfix.train.test", 250);
            for (int n = 0; n < count; n++) {
                s.command("MAIL FROM:<lmtp@example.org> BODY=8BITMIME", 250);
                s.command("RCPT TO:<t@" + DOMAIN + ">", 250);
                s.command("DATA", 354);
                s.write(message(99, n));
                s.expect(250);
                sent.incrementAndGet();
            }
            s.command("QUIT", 221);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("training LMTP session: " + e.getMessage(), e);
        }
    }

    /** A plausible message of about 4-10 KiB, dot-stuffed, ending with the end-of-data line. */
    static byte[] message(int id, int n) {
        StringBuilder b = new StringBuilder(12_000);
        b.append("Received: from relay").append(id).append(".example.org (relay.example.org [192.0.2.").append(id % 250)
                .append("])\r\n\tby mx.example.org with ESMTPS id ").append(n).append("; Sat, 21 Nov 2026 10:00:00 +0000\r\n");
        b.append("From: Sender ").append(id).append(" <sender").append(id).append("@example.org>\r\n");
        b.append("To: <t@").append(DOMAIN).append(">\r\n");
        b.append("Subject: training message ").append(n).append("\r\n");
        b.append("Message-ID: <").append(id).append('.').append(n).append("@example.org>\r\n");
        b.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        int lines = 60 + n % 7 * 15;
        for (int i = 0; i < lines; i++) {
            if (i % 17 == 5) {
                b.append(".a line that starts with a dot\r\n");
            } else {
                b.append("Line ").append(i).append(" of a message body, some ordinary text to carry through the queue.\r\n");
            }
        }
        b.append(".\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int awaitDelivery(Path newDir, int want, int seconds) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        int have = 0;
        while (System.nanoTime() < end) {
            try (Stream<Path> s = Files.list(newDir)) {
                have = (int) s.count();
            } catch (java.nio.file.NoSuchFileException e) {
                have = 0;
            }
            if (have >= want) {
                break;
            }
            Thread.sleep(20);
        }
        return have;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** A TLS context that trusts exactly the throw-away server's own self-signed certificate. */
    private static SSLContext trusting(Path certPem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(certPem)) {
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("c" + i++, cert);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A minimal blocking SMTP/LMTP client: one command, one (possibly multi-line) reply. */
    private static final class Session implements AutoCloseable {
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        static Session open(int port) throws IOException {
            Session s = new Session();
            s.socket = new Socket("127.0.0.1", port);
            s.socket.setSoTimeout(30_000);
            s.streams();
            return s;
        }

        private void streams() throws IOException {
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void startTls(SSLContext ctx, int port) throws IOException {
            SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(socket, "mx." + DOMAIN, port, true);
            tls.startHandshake();
            socket = tls;
            streams();
        }

        void command(String line, int code) throws IOException {
            write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            expect(code);
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        /** Reads one reply; fails unless its code is {@code code}. */
        void expect(int code) throws IOException {
            while (true) {
                String line = readLine();
                if (line.length() < 3 || !line.startsWith(Integer.toString(code))) {
                    throw new IOException("expected " + code + ", got: " + line);
                }
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    return;
                }
            }
        }

        private String readLine() throws IOException {
            StringBuilder b = new StringBuilder();
            int ch;
            while ((ch = in.read()) != -1 && ch != '\n') {
                if (ch != '\r') {
                    b.append((char) ch);
                }
            }
            if (ch == -1 && b.isEmpty()) {
                throw new IOException("connection closed");
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
