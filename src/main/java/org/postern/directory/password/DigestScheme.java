package org.postern.directory.password;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Dovecot's digest schemes. Salted ones (SSHA, SSHA256, SSHA512, SMD5) store
 * {@code encode(digest(password || salt) || salt)}; unsalted ones (SHA, SHA256, SHA512, PLAIN-MD5,
 * LDAP-MD5) store {@code encode(digest(password))} and are verify-only. The encoding defaults per
 * scheme (base64, or hex for PLAIN-MD5) and can be chosen with a ".B64"/".HEX" suffix.
 */
final class DigestScheme implements PasswordScheme {
    /** Salt length of new hashes; Dovecot writes 4 bytes and verifies any length. */
    static final int SALT = 16;

    private final String name;
    private final String algorithm;
    private final boolean salted;
    private final Encoding encoding;
    private final boolean defaultEncoding;

    DigestScheme(String name, String algorithm, boolean salted, Encoding encoding) {
        this(name, algorithm, salted, encoding, true);
    }

    private DigestScheme(String name, String algorithm, boolean salted, Encoding encoding, boolean defaultEncoding) {
        this.name = name;
        this.algorithm = algorithm;
        this.salted = salted;
        this.encoding = encoding;
        this.defaultEncoding = defaultEncoding;
    }

    /** The same scheme with another encoding (named "SCHEME.HEX" / "SCHEME.B64"). */
    DigestScheme withEncoding(Encoding e) {
        return new DigestScheme(name, algorithm, salted, e, false);
    }

    @Override
    public String name() {
        return defaultEncoding ? name : name + "." + encoding.suffix();
    }

    @Override
    public boolean hashable() {
        return salted && !algorithm.equals("MD5");
    }

    @Override
    public boolean weak() {
        return !salted || algorithm.equals("MD5");
    }

    private MessageDigest digest() {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from the JDK", e);
        }
    }

    @Override
    public String hash(byte[] password) {
        byte[] salt = salted ? Bytes.random(SALT) : new byte[0];
        MessageDigest md = digest();
        md.update(password);
        md.update(salt);
        byte[] d = md.digest();
        byte[] out = new byte[d.length + salt.length];
        System.arraycopy(d, 0, out, 0, d.length);
        System.arraycopy(salt, 0, out, d.length, salt.length);
        return encoding.encode(out);
    }

    @Override
    public boolean verify(String encoded, byte[] password) {
        MessageDigest md = digest();
        int len = md.getDigestLength();
        byte[] raw;
        if (!salted && defaultEncoding && encoding == Encoding.BASE64 && encoded.strip().length() == 2 * len) {
            // like Dovecot: a fixed-size hash whose length is that of its hex form is read as hex
            raw = Encoding.HEX.decode(encoded);
        } else {
            raw = encoding.decode(encoded);
        }
        if (salted ? raw.length <= len : raw.length != len) {
            throw new MalformedHashException("wrong length for " + name);
        }
        md.update(password);
        md.update(raw, len, raw.length - len);
        return Bytes.equal(md.digest(), java.util.Arrays.copyOf(raw, len));
    }
}
