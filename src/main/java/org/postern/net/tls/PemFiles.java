package org.postern.net.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files with the JDK only: a certificate chain ({@code CERTIFICATE} blocks, leaf first)
 * and a private key in PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) or
 * SEC1 EC ({@code EC PRIVATE KEY}) form. PKCS#1 and SEC1 keys are wrapped into PKCS#8 (a few
 * DER bytes) so the JDK's key factories can read them. Encrypted keys are refused with a clear error.
 */
public final class PemFiles {
    private PemFiles() {
    }

    /** A bad or unreadable PEM file; the message names the file. */
    public static final class PemException extends IOException {
        private static final long serialVersionUID = 1L;

        public PemException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    record Block(String type, byte[] der) {
    }

    static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        int i = 0;
        while (true) {
            int b = text.indexOf("-----BEGIN ", i);
            if (b < 0) {
                return out;
            }
            int te = text.indexOf("-----", b + 11);
            if (te < 0) {
                return out;
            }
            String type = text.substring(b + 11, te);
            String endMarker = "-----END " + type + "-----";
            int e = text.indexOf(endMarker, te + 5);
            if (e < 0) {
                throw new IllegalArgumentException("unterminated PEM block " + type);
            }
            String body = text.substring(te + 5, e);
            StringBuilder b64 = new StringBuilder(body.length());
            for (String line : body.split("\n")) {
                String l = line.strip();
                if (l.isEmpty() || l.contains(":")) {
                    continue; // RFC 1421 headers such as Proc-Type (encrypted legacy keys) are caught below
                }
                b64.append(l);
            }
            if (body.contains("Proc-Type:") && body.contains("ENCRYPTED")) {
                throw new IllegalArgumentException("encrypted private keys are not supported (remove the passphrase)");
            }
            out.add(new Block(type, Base64.getMimeDecoder().decode(b64.toString())));
            i = e + endMarker.length();
        }
    }

    /** The certificate chain in file order (leaf first). */
    public static List<X509Certificate> certificates(Path file) throws PemException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (Block blk : blocks(Files.readString(file, StandardCharsets.US_ASCII))) {
                if (blk.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(blk.der())));
                }
            }
            if (out.isEmpty()) {
                throw new PemException(file + ": no CERTIFICATE block", null);
            }
            return out;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            if (e instanceof PemException pe) {
                throw pe;
            }
            throw new PemException(file + ": cannot read certificate: " + e.getMessage(), e);
        }
    }

    /** The first private key in the file. */
    public static PrivateKey privateKey(Path file) throws PemException {
        try {
            for (Block blk : blocks(Files.readString(file, StandardCharsets.US_ASCII))) {
                switch (blk.type()) {
                    case "PRIVATE KEY" -> {
                        return pkcs8(blk.der());
                    }
                    case "RSA PRIVATE KEY" -> {
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrapPkcs1(blk.der())));
                    }
                    case "EC PRIVATE KEY" -> {
                        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(wrapSec1(blk.der())));
                    }
                    case "ENCRYPTED PRIVATE KEY" ->
                            throw new PemException(file + ": encrypted private keys are not supported (remove the passphrase)", null);
                    default -> {
                        // EC PARAMETERS, CERTIFICATE (combined files): skip
                    }
                }
            }
            throw new PemException(file + ": no private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", null);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            if (e instanceof PemException pe) {
                throw pe;
            }
            throw new PemException(file + ": cannot read private key: " + e.getMessage(), e);
        }
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    private static final byte[] RSA_ALG = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
            0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 }. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALG, tlv(0x04, pkcs1)));
    }

    /** SEC1 ECPrivateKey → PKCS#8 with the curve OID taken from the SEC1 [0] parameters. */
    static byte[] wrapSec1(byte[] sec1) {
        Der seq = new Der(sec1, 0);
        if (seq.tag != 0x30) {
            throw new IllegalArgumentException("EC key is not a DER SEQUENCE");
        }
        byte[] curve = null;
        int p = seq.contentStart;
        while (p < seq.end) {
            Der el = new Der(sec1, p);
            if (el.tag == 0xa0) {
                Der oid = new Der(sec1, el.contentStart);
                curve = java.util.Arrays.copyOfRange(sec1, oid.start, oid.end);
            }
            p = el.end;
        }
        if (curve == null) {
            throw new IllegalArgumentException("EC key without curve parameters");
        }
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, tlv(0x30, concat(EC_OID, curve)), tlv(0x04, sec1)));
    }

    /** One DER element's boundaries. */
    private static final class Der {
        final int tag;
        final int start;
        final int contentStart;
        final int end;

        Der(byte[] b, int at) {
            start = at;
            tag = b[at] & 0xff;
            int len = b[at + 1] & 0xff;
            int p = at + 2;
            if (len > 0x80) {
                int n = len & 0x7f;
                if (n > 3) {
                    throw new IllegalArgumentException("DER length too large");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (b[p++] & 0xff);
                }
            } else if (len == 0x80) {
                throw new IllegalArgumentException("indefinite DER length");
            }
            contentStart = p;
            end = p + len;
            if (end > b.length) {
                throw new IllegalArgumentException("truncated DER");
            }
        }
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(content.length + 6);
        o.write(tag);
        int n = content.length;
        if (n < 0x80) {
            o.write(n);
        } else if (n < 0x100) {
            o.write(0x81);
            o.write(n);
        } else if (n < 0x10000) {
            o.write(0x82);
            o.write(n >> 8);
            o.write(n);
        } else {
            o.write(0x83);
            o.write(n >> 16);
            o.write(n >> 8);
            o.write(n);
        }
        o.writeBytes(content);
        return o.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
