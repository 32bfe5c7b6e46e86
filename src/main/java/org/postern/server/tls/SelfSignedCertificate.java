package org.postern.server.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed server certificate for {@code postern init} and a first {@code serve}: RSA 3072 with
 * SHA-256 (accepted by every client and peer MTA, unlike some EC setups), subject CN = the host name,
 * subjectAltName dNSName entries for the host name and the extra names (iPAddress entries for IP
 * literals), serverAuth, valid for two years from an hour ago. Written as PEM: the certificate, and the
 * key as PKCS#8 {@code PRIVATE KEY} with mode 0600; each file is written beside its destination and
 * renamed into place, so a reader never sees half a key.
 */
public final class SelfSignedCertificate {
    private SelfSignedCertificate() {
    }

    public static final int RSA_BITS = 3072;
    public static final Duration VALIDITY = Duration.ofDays(730);

    /** Generates a key and certificate for {@code hostname} (plus {@code extraNames}) and writes both files. */
    public static X509Certificate write(String hostname, List<String> extraNames, Path certPem, Path keyPem) throws IOException {
        List<String> names = names(hostname, extraNames);
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
            kpg.initialize(RSA_BITS, new SecureRandom());
            KeyPair kp = kpg.generateKeyPair();
            X509Certificate cert = certificate(names, kp);
            writeAtomically(keyPem, pem("PRIVATE KEY", kp.getPrivate().getEncoded()), true);
            writeAtomically(certPem, pem("CERTIFICATE", cert.getEncoded()), false);
            return cert;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate a certificate for " + hostname + ": " + e.getMessage(), e);
        }
    }

    /** The host name first, then the extra names; IDNs in their ASCII (A-label) form; duplicates dropped. */
    static List<String> names(String hostname, List<String> extraNames) {
        Set<String> out = new LinkedHashSet<>();
        List<String> all = new ArrayList<>();
        all.add(hostname);
        all.addAll(extraNames);
        for (String n : all) {
            if (n == null || n.isBlank()) {
                continue;
            }
            String s = n.strip();
            if (!isIpLiteral(s)) {
                s = IDN.toASCII(s, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
                if (!s.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                    throw new IllegalArgumentException("not a host name for a certificate: '" + n + "'");
                }
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs a host name");
        }
        return List.copyOf(out);
    }

    private static boolean isIpLiteral(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9A-Fa-f:.]+"));
    }

    private static X509Certificate certificate(List<String> names, KeyPair kp)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, names.getFirst()).build();
        Instant now = Instant.now();
        BigInteger serial = new BigInteger(127, new SecureRandom()).setBit(120); // positive, 16 bytes
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, kp.getPublic());
        GeneralName[] san = names.stream()
                .map(n -> new GeneralName(isIpLiteral(n) ? GeneralName.iPAddress : GeneralName.dNSName, n))
                .toArray(GeneralName[]::new);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(kp.getPublic()));
        var signer = new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate());
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
        cert.verify(kp.getPublic());
        return cert;
    }

    static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp" + Long.toUnsignedString(new SecureRandom().nextLong(), 36));
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        try {
            if (posix) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
            } else {
                Files.createFile(tmp);
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
