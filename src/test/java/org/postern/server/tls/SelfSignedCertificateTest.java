package org.postern.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.net.tls.PemFiles;
import org.postern.net.tls.TlsContext;
import org.postern.testkit.Peers;

/** The generated certificate loads with the TLS layer's PEM reader and completes real TLS 1.3 handshakes. */
class SelfSignedCertificateTest {
    @TempDir
    static Path dir;
    static Path cert;
    static Path key;
    static X509Certificate generated;

    @BeforeAll
    static void generate() throws Exception {
        cert = dir.resolve("tls/cert.pem");
        key = dir.resolve("tls/key.pem");
        generated = SelfSignedCertificate.write("mx.example.org", List.of("mail.example.org", "bücher.example", "127.0.0.1"), cert, key);
    }

    @Test
    void filesAndFields() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        String keyText = Files.readString(key);
        assertTrue(keyText.startsWith("-----BEGIN PRIVATE KEY-----\n") && keyText.endsWith("-----END PRIVATE KEY-----\n"), keyText);
        assertTrue(Files.readString(cert).startsWith("-----BEGIN CERTIFICATE-----\n"));
        try (var files = Files.list(cert.getParent())) {
            assertEquals(2, files.count(), "no temporary files left");
        }

        X509Certificate c = PemFiles.certificates(cert).getFirst();
        assertEquals(generated, c);
        assertEquals("CN=mx.example.org", c.getSubjectX500Principal().getName());
        assertEquals(3072, ((RSAPublicKey) c.getPublicKey()).getModulus().bitLength());
        assertEquals("SHA256withRSA", c.getSigAlgName());
        List<String> sans = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            sans.add(san.get(0) + ":" + san.get(1));
        }
        assertEquals(List.of("2:mx.example.org", "2:mail.example.org", "2:xn--bcher-kva.example", "7:127.0.0.1"), sans);
        assertEquals(-1, c.getBasicConstraints(), "not a CA");
        assertTrue(c.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
        long days = Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).toDays();
        assertTrue(days >= 730 && days <= 731, "about two years: " + days);
        c.checkValidity();
        c.verify(c.getPublicKey());
        assertEquals("RSA", PemFiles.privateKey(key).getAlgorithm());
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SelfSignedCertificate.names("bad name", List.of()));
        assertThrows(IllegalArgumentException.class, () -> SelfSignedCertificate.names("", List.of()));
        assertEquals(List.of("mx.example.org", "*.example.org"), SelfSignedCertificate.names("MX.Example.org", List.of("*.example.org", "mx.example.org")));
    }

    private static SSLContext trusting(X509Certificate c) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("postern", c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void tls13HandshakeWithSniOverLoopback() throws Exception {
        TlsContext server = TlsContext.fromPem(new TlsContext.CertSpec(null, cert, key), List.of(), List.of("TLSv1.2", "TLSv1.3"));
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<SNIServerName>> requested = CompletableFuture.supplyAsync(() -> {
                try (Socket plain = ss.accept(); SSLSocket s = server.wrap(plain, null)) {
                    s.startHandshake();
                    List<SNIServerName> names = ((ExtendedSSLSession) s.getSession()).getRequestedServerNames();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    int b = in.read();
                    out.write(b + 1);
                    out.flush();
                    return names;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) trusting(generated).getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                SSLParameters p = c.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName("mail.example.org")));
                p.setEndpointIdentificationAlgorithm("HTTPS"); // checks the name against the SANs
                p.setProtocols(new String[] {"TLSv1.3"});
                c.setSSLParameters(p);
                c.startHandshake();
                assertEquals("TLSv1.3", c.getSession().getProtocol());
                c.getOutputStream().write(41);
                c.getOutputStream().flush();
                assertEquals(42, c.getInputStream().read());
            }
            assertEquals(List.of(new SNIHostName("mail.example.org")), requested.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aNameNotInTheCertificateFailsHostnameVerification() throws Exception {
        TlsContext server = TlsContext.fromPem(new TlsContext.CertSpec(null, cert, key), List.of(), List.of("TLSv1.3"));
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket plain = ss.accept(); SSLSocket s = server.wrap(plain, null)) {
                    s.startHandshake();
                } catch (Exception expected) {
                    // the client aborts the handshake
                }
            });
            try (SSLSocket c = (SSLSocket) trusting(generated).getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                SSLParameters p = c.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName("other.example.net")));
                p.setEndpointIdentificationAlgorithm("HTTPS");
                c.setSSLParameters(p);
                assertThrows(SSLHandshakeException.class, c::startHandshake);
            }
        }
    }

    /** A real OpenSSL client verifies the chain and the host name against the generated certificate. */
    @Test
    @Tag("peers")
    void opensslClientVerifies() throws Exception {
        Path openssl = Peers.require("openssl");
        TlsContext server = TlsContext.fromPem(new TlsContext.CertSpec(null, cert, key), List.of(), List.of("TLSv1.2", "TLSv1.3"));
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
                try (Socket plain = ss.accept(); SSLSocket s = server.wrap(plain, null)) {
                    s.startHandshake();
                    String line = new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII);
                    s.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    return line;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Process p = new ProcessBuilder(openssl.toString(), "s_client", "-connect", "127.0.0.1:" + ss.getLocalPort(),
                    "-servername", "mail.example.org", "-verify_hostname", "mail.example.org", "-CAfile", cert.toString(),
                    "-verify_return_error", "-tls1_3", "-quiet")
                    .redirectErrorStream(true).start();
            p.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().flush();
            assertEquals("hello", got.get(20, TimeUnit.SECONDS));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertTrue(out.contains("verify return:1") && !out.contains("verify error"), out);
            assertTrue(out.contains("bye"), out);
        }
    }
}
