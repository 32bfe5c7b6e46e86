package org.postern.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.net.proxy.ProxyProtocol;
import org.postern.net.tls.PemFiles;
import org.postern.net.tls.TlsContext;
import org.postern.testkit.TestCerts;

class NetTest {

    @TempDir
    Path dir;

    static LineReader reader(String s) {
        return new LineReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)), 8);
    }

    @Test
    void lineReaderReportsEndingsAndLength() throws Exception {
        LineReader r = reader("HELO a\r\nNOOP\nX\rY\r\n0123456789ABCDEF\r\nrest");
        LineReader.Line l = r.readLine(100);
        assertEquals("HELO a", l.latin1());
        assertEquals(LineReader.Ending.CRLF, l.ending());
        l = r.readLine(100);
        assertEquals("NOOP", l.latin1());
        assertEquals(LineReader.Ending.BARE_LF, l.ending());
        l = r.readLine(100);
        assertEquals("X\rY", l.latin1());
        assertTrue(l.bareCr());
        l = r.readLine(10);
        assertTrue(l.tooLong());
        assertEquals("0123456789", l.latin1());
        assertEquals(LineReader.Ending.CRLF, l.ending());
        l = r.readLine(100);
        assertEquals("rest", l.latin1());
        assertEquals(LineReader.Ending.EOF, l.ending());
        assertNull(r.readLine(100));
    }

    @Test
    void proxyV1AndV2() throws Exception {
        ProxyProtocol.Header h = ProxyProtocol.read(reader("PROXY TCP4 192.0.2.7 198.51.100.1 40000 25\r\nEHLO x\r\n"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 40000), h.source());
        h = ProxyProtocol.read(reader("PROXY TCP6 2001:db8::1 2001:db8::2 1 25\r\n"));
        assertEquals(InetAddress.getByName("2001:db8::1"), h.source().getAddress());
        assertNull(ProxyProtocol.read(reader("PROXY UNKNOWN\r\n")).source());
        for (String bad : new String[] {"PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "PROXY TCP4 host 1.2.3.4 1 2\r\n", "EHLO x\r\n",
                "PROXY TCP4 1.2.3.4 1.2.3.4 1 99999\r\n", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n"}) {
            assertThrows(ProxyProtocol.ProxyException.class, () -> ProxyProtocol.read(reader(bad)), bad);
        }
        LineReader r = new LineReader(new ByteArrayInputStream(v2(new byte[] {(byte) 203, 0, 113, 9}, 5555, "after")), 64);
        h = ProxyProtocol.read(r);
        assertEquals(new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 5555), h.source());
        assertEquals("after", r.readLine(100).latin1()); // nothing beyond the header was consumed
    }

    /** A PROXY v2 PROXY/TCP4 header followed by {@code rest}. */
    static byte[] v2(byte[] src, int srcPort, String rest) {
        ByteBuffer b = ByteBuffer.allocate(16 + 12 + rest.length());
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(src).put(new byte[] {127, 0, 0, 1}).putShort((short) srcPort).putShort((short) 25);
        b.put(rest.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @Test
    void limitsCountAndRate() throws Exception {
        AtomicLong now = new AtomicLong(0);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress mine = InetAddress.getByName("127.0.0.1");
        ConnectionLimits l = new ConnectionLimits(2, 3, Duration.ofSeconds(60), ip -> ip.equals(mine), now::get);
        ConnectionHandler.Refusal[] r = new ConnectionHandler.Refusal[1];
        ConnectionLimits.Lease l1 = l.acquire(a, r);
        ConnectionLimits.Lease l2 = l.acquire(a, r);
        assertNull(l.acquire(a, r));
        assertEquals(ConnectionHandler.Refusal.Kind.CONCURRENCY, r[0].kind());
        assertEquals(3, r[0].count());
        l1.close();
        l1.close(); // idempotent
        assertNull(l.acquire(a, r)); // 4th connection in the window
        assertEquals(ConnectionHandler.Refusal.Kind.RATE, r[0].kind());
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        ConnectionLimits.Lease l3 = l.acquire(a, r);
        assertEquals(2, l.concurrent(a));
        l2.close();
        l3.close();
        for (int i = 0; i < 10; i++) {
            l.acquire(mine, r); // exempt
        }
        assertEquals(10, l.concurrent(mine));
    }

    @Test
    void pemFormats() throws Exception {
        for (boolean ec : new boolean[] {false, true}) {
            for (TestCerts.KeyFormat f : TestCerts.KeyFormat.values()) {
                Path d = Files.createDirectories(dir.resolve((ec ? "ec" : "rsa") + f));
                TestCerts.Pem p = TestCerts.write(d, "mx.example.org", ec, f);
                String keyText = Files.readString(p.key());
                assertTrue(keyText.contains(f == TestCerts.KeyFormat.PKCS8 ? "BEGIN PRIVATE KEY"
                        : ec ? "BEGIN EC PRIVATE KEY" : "BEGIN RSA PRIVATE KEY"), keyText);
                assertEquals(ec ? "EC" : "RSA", PemFiles.privateKey(p.key()).getAlgorithm());
                assertEquals("CN=mx.example.org", PemFiles.certificates(p.cert()).getFirst().getSubjectX500Principal().getName());
                TlsContext.fromPem(new TlsContext.CertSpec(null, p.cert(), p.key()), List.of(), List.of("TLSv1.2", "TLSv1.3"));
            }
        }
        Path enc = dir.resolve("enc.key");
        Files.writeString(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThrows(PemFiles.PemException.class, () -> PemFiles.privateKey(enc));
        assertThrows(IllegalArgumentException.class, () -> TlsContext.fromPem(null, List.of(), List.of("TLSv1.1")));
    }

    /** Echoes lines back in upper case; QUIT ends. */
    static final class Echo implements ConnectionHandler {
        @Override
        public CloseCause handle(Connection c) throws java.io.IOException {
            c.setTimeout(Duration.ofSeconds(5));
            c.write(("hello " + c.remoteAddress().getHostAddress() + (c.isTls() ? " tls " + c.tlsSession().getProtocol() : "")
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            c.flush();
            while (true) {
                LineReader.Line l = c.reader().readLine(100);
                if (l == null) {
                    return CloseCause.EOF;
                }
                if (l.latin1().equals("QUIT")) {
                    return CloseCause.CLIENT_QUIT;
                }
                c.write((l.latin1().toUpperCase() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                c.flush();
            }
        }

        @Override
        public void refuse(Connection c, Refusal r) throws java.io.IOException {
            c.write(("refused " + r.kind() + " " + r.count() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    static BufferedReader lines(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    @Test
    void listenerLimitsPerIpAndProxy() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(1, 0, Duration.ofMinutes(1), ip -> false);
        Listener.Options o = Listener.Options.tcp("t", new InetSocketAddress("127.0.0.1", 0), 10).withLimits(limits);
        try (Listener l = new Listener(o, new Echo()).start()) {
            try (Socket a = new Socket()) {
                a.bind(new InetSocketAddress("127.0.0.2", 0));
                a.connect(new InetSocketAddress("127.0.0.1", l.port()));
                BufferedReader ra = lines(a);
                assertEquals("hello 127.0.0.2", ra.readLine());
                try (Socket b = new Socket()) {
                    b.bind(new InetSocketAddress("127.0.0.2", 0));
                    b.connect(new InetSocketAddress("127.0.0.1", l.port()));
                    assertEquals("refused CONCURRENCY 2", lines(b).readLine());
                }
                try (Socket c = new Socket()) { // another source address is not affected
                    c.bind(new InetSocketAddress("127.0.0.3", 0));
                    c.connect(new InetSocketAddress("127.0.0.1", l.port()));
                    assertEquals("hello 127.0.0.3", lines(c).readLine());
                }
                a.getOutputStream().write("abc\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ABC", ra.readLine());
            }
        }
        try (Listener l = new Listener(Listener.Options.tcp("p", new InetSocketAddress("127.0.0.1", 0), 10)
                .withProxyProtocol(true), new Echo()).start()) {
            try (Socket a = new Socket("127.0.0.1", l.port())) {
                a.getOutputStream().write(v2(new byte[] {(byte) 198, 51, 100, 77}, 1234, "x\r\n"));
                BufferedReader ra = lines(a);
                assertEquals("hello 198.51.100.77", ra.readLine());
                assertEquals("X", ra.readLine());
            }
            try (Socket a = new Socket("127.0.0.1", l.port())) { // no header: dropped
                a.getOutputStream().write("EHLO x\r\n".getBytes(StandardCharsets.US_ASCII));
                assertNull(lines(a).readLine());
            }
        }
    }

    @Test
    void permitsBoundConcurrency() throws Exception {
        try (Listener l = new Listener(Listener.Options.tcp("m", new InetSocketAddress("127.0.0.1", 0), 1), new Echo()).start()) {
            try (Socket a = new Socket("127.0.0.1", l.port()); Socket b = new Socket("127.0.0.1", l.port())) {
                assertEquals("hello 127.0.0.1", lines(a).readLine());
                b.setSoTimeout(300);
                BufferedReader rb = lines(b);
                assertThrows(java.net.SocketTimeoutException.class, rb::readLine); // waits in the backlog
                a.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                b.setSoTimeout(5000);
                assertEquals("hello 127.0.0.1", rb.readLine());
            }
        }
    }

    @Test
    void implicitTlsWithSni() throws Exception {
        TestCerts.Pem def = TestCerts.write(dir, "mail.example.org", false, TestCerts.KeyFormat.PKCS8);
        TestCerts.Pem other = TestCerts.write(dir, "smtp.other.example", true, TestCerts.KeyFormat.TRADITIONAL);
        TestCerts.Pem wild = TestCerts.write(dir, "*.wild.example", false, TestCerts.KeyFormat.TRADITIONAL);
        TlsContext tls = TlsContext.fromPem(new TlsContext.CertSpec(null, def.cert(), def.key()),
                List.of(new TlsContext.CertSpec("smtp.other.example", other.cert(), other.key()),
                        new TlsContext.CertSpec("*.wild.example", wild.cert(), wild.key())),
                List.of("TLSv1.2", "TLSv1.3"));
        Listener.Options o = Listener.Options.tcp("s", new InetSocketAddress("127.0.0.1", 0), 10).withTls(tls, true);
        try (Listener l = new Listener(o, new Echo()).start()) {
            assertEquals("CN=mail.example.org", peerCert(l.port(), null, "TLSv1.3"));
            assertEquals("CN=smtp.other.example", peerCert(l.port(), "smtp.other.example", "TLSv1.3"));
            assertEquals("CN=*.wild.example", peerCert(l.port(), "mx.wild.example", "TLSv1.2"));
            assertEquals("CN=mail.example.org", peerCert(l.port(), "a.b.wild.example", "TLSv1.3"));
            assertEquals("CN=mail.example.org", peerCert(l.port(), "unknown.example", "TLSv1.2"));
            // TLS 1.1 is refused
            SSLSocket s = client(l.port(), null, "TLSv1.1");
            assertThrows(javax.net.ssl.SSLException.class, s::startHandshake);
            s.close();
        }
    }

    @Test
    void sniEntries() {
        TlsContext.CertSpec c = TlsContext.CertSpec.parseSni("*.Example.org=tls/ex.crt:tls/ex.key", Path.of("/data"));
        assertEquals("*.example.org", c.serverName());
        assertEquals(Path.of("/data/tls/ex.crt"), c.certFile());
        assertEquals(Path.of("/data/tls/ex.key"), c.keyFile());
        assertEquals(Path.of("/etc/k.pem"), TlsContext.CertSpec.parseSni("mx.example=/etc/c.pem:/etc/k.pem", Path.of("/data")).keyFile());
        for (String bad : new String[] {"mx.example", "=a:b", "mx.example=a", "mx.example=:b", "mx.example=a:", "m x=a:b"}) {
            assertThrows(IllegalArgumentException.class, () -> TlsContext.CertSpec.parseSni(bad, Path.of("/data")), bad);
        }
    }

    static SSLSocket client(int port, String sni, String protocol) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {protocol});
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.setSoTimeout(5000);
        return s;
    }

    static String peerCert(int port, String sni, String protocol) throws Exception {
        try (SSLSocket s = client(port, sni, protocol)) {
            s.startHandshake();
            BufferedReader r = lines(s);
            assertEquals("hello 127.0.0.1 tls " + protocol, r.readLine());
            OutputStream out = s.getOutputStream();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void unixSocketWithTimeout() throws Exception {
        Path sock = dir.resolve("run/t.sock");
        Listener.Options o = new Listener.Options("u", UnixDomainSocketAddress.of(sock), 4, null, null, false, false, null, "rw-rw-rw-");
        ConnectionHandler quick = new ConnectionHandler() {
            @Override
            public CloseCause handle(Connection c) throws java.io.IOException {
                c.setTimeout(Duration.ofMillis(600));
                c.write("hi\r\n".getBytes(StandardCharsets.US_ASCII));
                c.flush();
                try {
                    c.reader().readLine(100);
                    return CloseCause.EOF;
                } catch (java.net.SocketTimeoutException e) {
                    c.write("timeout\r\n".getBytes(StandardCharsets.US_ASCII));
                    c.flush();
                    return CloseCause.TIMEOUT;
                }
            }

            @Override
            public void refuse(Connection c, Refusal r) {
            }
        };
        try (Listener l = new Listener(o, quick).start(); SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            assertTrue(Files.exists(sock));
            BufferedReader r = new BufferedReader(new InputStreamReader(java.nio.channels.Channels.newInputStream(ch), StandardCharsets.US_ASCII));
            assertEquals("hi", r.readLine());
            assertEquals("timeout", r.readLine());
        }
        assertFalse(Files.exists(sock));
    }
}
