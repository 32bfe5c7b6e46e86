package org.postern.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed test certificates written as PEM (BouncyCastle, test scope only). */
public final class TestCerts {
    private TestCerts() {
    }

    /** Key formats for the key file. */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    /** A certificate and key written to files. */
    public record Pem(Path cert, Path key) {
    }

    /**
     * Writes a self-signed certificate for {@code cn} (also the DNS SAN) into {@code dir}.
     *
     * @param ec EC P-256 instead of RSA 2048
     */
    public static Pem write(Path dir, String cn, boolean ec, KeyFormat format) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
        if (ec) {
            g.initialize(new ECGenParameterSpec("secp256r1"));
        } else {
            g.initialize(2048);
        }
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(30, ChronoUnit.DAYS)), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, cn)));
        X509CertificateHolder h = b.build(new JcaContentSignerBuilder(ec ? "SHA256withECDSA" : "SHA256withRSA").build(kp.getPrivate()));
        String safe = cn.replace('*', '_');
        Path cert = dir.resolve(safe + ".crt");
        Path key = dir.resolve(safe + ".key");
        Files.writeString(cert, pem(new JcaMiscPEMGenerator(h)));
        String keyPem;
        if (format == KeyFormat.PKCS8) {
            keyPem = pem(new JcaPKCS8Generator(kp.getPrivate(), null));
        } else if (ec) {
            // SEC1 with the curve parameters, as openssl writes it
            org.bouncycastle.asn1.pkcs.PrivateKeyInfo pki = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pki.parsePrivateKey());
            org.bouncycastle.asn1.sec.ECPrivateKey full = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                    inner.getPublicKey(), pki.getPrivateKeyAlgorithm().getParameters());
            keyPem = pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", full.getEncoded()));
        } else {
            keyPem = pem(new JcaMiscPEMGenerator(kp.getPrivate()));
        }
        Files.writeString(key, keyPem);
        return new Pem(cert, key);
    }

    private static String pem(org.bouncycastle.util.io.pem.PemObjectGenerator o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }
}
