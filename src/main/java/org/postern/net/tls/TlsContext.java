package org.postern.net.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The server side of TLS for every listener: an SSLContext over PEM certificates chosen by SNI,
 * TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites only, server cipher order.
 */
public final class TlsContext {

    private static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    private final SSLContext context;
    private final SniKeyManager keyManager;
    private final String[] protocols;
    private final String[] suites;

    /** A certificate file and its key file, optionally for a server name ("*.example.org" allowed). */
    public record CertSpec(String serverName, Path certFile, Path keyFile) {

        /**
         * Parses one {@code [tls] sni} entry, {@code hostname=certfile:keyfile}; relative paths are
         * resolved against {@code base} (the data directory).
         */
        public static CertSpec parseSni(String entry, Path base) {
            int eq = entry.indexOf('=');
            int colon = entry.indexOf(':', eq + 1);
            if (eq <= 0 || colon < 0 || colon == eq + 1 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("SNI entry must be 'hostname=certfile:keyfile', got '" + entry + "'");
            }
            String host = entry.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            String h = host.startsWith("*.") ? host.substring(2) : host;
            if (h.isEmpty() || !h.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '.')) {
                throw new IllegalArgumentException("SNI entry: bad host name '" + host + "'");
            }
            return new CertSpec(host, base.resolve(entry.substring(eq + 1, colon).strip()),
                    base.resolve(entry.substring(colon + 1).strip()));
        }
    }

    private TlsContext(SSLContext context, SniKeyManager km, List<String> protocols) {
        this.context = context;
        this.keyManager = km;
        this.protocols = protocols.toArray(String[]::new);
        List<String> ok = new ArrayList<>();
        for (String s : context.getSupportedSSLParameters().getCipherSuites()) {
            if (acceptableSuite(s)) {
                ok.add(s);
            }
        }
        // keep the JDK's preference order, which puts the strongest first
        List<String> ordered = new ArrayList<>();
        for (String s : context.getDefaultSSLParameters().getCipherSuites()) {
            if (ok.contains(s)) {
                ordered.add(s);
            }
        }
        this.suites = ordered.toArray(String[]::new);
    }

    /** TLS 1.3 suites, and for TLS 1.2 only ECDHE/DHE with AES-GCM or ChaCha20-Poly1305. */
    static boolean acceptableSuite(String s) {
        if (s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")) {
            return true;
        }
        boolean pfs = s.startsWith("TLS_ECDHE_") || s.startsWith("TLS_DHE_");
        boolean aead = s.contains("_GCM_") || s.contains("_CHACHA20_POLY1305_");
        return pfs && aead && !s.contains("_anon_") && !s.contains("_NULL_");
    }

    /**
     * Builds the context.
     *
     * @param defaultCert the certificate for clients without SNI or with an unknown name
     * @param sni         more certificates by server name
     * @param protocols   e.g. [TLSv1.2, TLSv1.3]; anything older is refused
     */
    public static TlsContext fromPem(CertSpec defaultCert, List<CertSpec> sni, List<String> protocols) throws IOException {
        for (String p : protocols) {
            if (!ALLOWED_PROTOCOLS.contains(p)) {
                throw new IllegalArgumentException("TLS protocol " + p + " is not allowed (use TLSv1.2 and/or TLSv1.3)");
            }
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("no TLS protocol enabled");
        }
        SniKeyManager.Entry def = load("default", defaultCert);
        Map<String, SniKeyManager.Entry> named = new LinkedHashMap<>();
        int i = 0;
        for (CertSpec c : sni) {
            named.put(c.serverName(), load("sni" + (i++) + "-" + c.serverName(), c));
        }
        SniKeyManager km = new SniKeyManager(def, named);
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {km}, null, new SecureRandom());
            return new TlsContext(ctx, km, protocols);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot initialise TLS: " + e.getMessage(), e);
        }
    }

    private static SniKeyManager.Entry load(String alias, CertSpec c) throws IOException {
        List<X509Certificate> chain = PemFiles.certificates(c.certFile());
        PrivateKey key = PemFiles.privateKey(c.keyFile());
        // the key must belong to the leaf certificate: compare the public modulus / point
        if (!keyMatches(chain.getFirst(), key)) {
            throw new PemFiles.PemException(c.keyFile() + ": private key does not match certificate " + c.certFile(), null);
        }
        return new SniKeyManager.Entry(alias, chain.toArray(X509Certificate[]::new), key);
    }

    private static boolean keyMatches(X509Certificate cert, PrivateKey key) {
        var pub = cert.getPublicKey();
        if (pub instanceof RSAKey rp && key instanceof RSAKey rk) {
            return rp.getModulus().equals(rk.getModulus());
        }
        if (pub instanceof ECKey ep && key instanceof ECKey ek) {
            return ep.getParams().getCurve().equals(ek.getParams().getCurve());
        }
        return pub.getAlgorithm().equals(key.getAlgorithm());
    }

    /** Wraps an accepted socket as the TLS server side; {@code consumed} are bytes already read from it. */
    public SSLSocket wrap(Socket plain, InputStream consumed) throws IOException {
        SSLSocketFactory f = context.getSocketFactory();
        SSLSocket s = (SSLSocket) f.createSocket(plain, consumed, true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(protocols);
        p.setCipherSuites(suites);
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        p.setWantClientAuth(false);
        s.setSSLParameters(p);
        return s;
    }

    public SniKeyManager keyManager() {
        return keyManager;
    }

    public SSLContext sslContext() {
        return context;
    }

    /**
     * Postfix's description of a TLS session for logs and the Received header:
     * {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)}.
     */
    public static String describe(SSLSession s) {
        int bits = cipherBits(s.getCipherSuite());
        return s.getProtocol() + " with cipher " + s.getCipherSuite() + " (" + bits + "/" + bits + " bits)";
    }

    static int cipherBits(String suite) {
        if (suite.contains("AES_256") || suite.contains("CHACHA20")) {
            return 256;
        }
        if (suite.contains("AES_128")) {
            return 128;
        }
        return 0;
    }
}
