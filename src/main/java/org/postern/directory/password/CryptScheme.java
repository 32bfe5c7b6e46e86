package org.postern.directory.password;

import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;

/**
 * The crypt(3) family. As in Dovecot, SHA512-CRYPT, SHA256-CRYPT, CRYPT and DES-CRYPT verify with the
 * generic crypt(3) (so any of "$6$", "$5$", "$1$", "$2y$" or DES matches), while MD5-CRYPT ("MD5")
 * accepts only "$1$". New hashes: "$6$" / "$5$" with a 16-character salt and the glibc default of
 * 5000 rounds (what {@code doveadm pw} emits); CRYPT, DES-CRYPT and MD5-CRYPT are verify-only.
 */
final class CryptScheme implements PasswordScheme {
    enum Kind { SHA512, SHA256, GENERIC, DES, MD5 }

    private final String name;
    private final Kind kind;

    CryptScheme(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean hashable() {
        return kind == Kind.SHA512 || kind == Kind.SHA256;
    }

    @Override
    public boolean weak() {
        return kind == Kind.DES || kind == Kind.MD5;
    }

    @Override
    public String hash(byte[] password) {
        return switch (kind) {
            case SHA512, GENERIC -> Sha2Crypt.sha512Crypt(password, "$6$" + Bytes.cryptSalt(16));
            case SHA256 -> Sha2Crypt.sha256Crypt(password, "$5$" + Bytes.cryptSalt(16));
            case DES -> UnixCrypt.crypt(password, Bytes.cryptSalt(2));
            case MD5 -> Md5Crypt.md5Crypt(password, "$1$" + Bytes.cryptSalt(8));
        };
    }

    @Override
    public boolean verify(String encoded, byte[] password) {
        return switch (kind) {
            case MD5 -> {
                if (!encoded.startsWith("$1$")) {
                    throw new MalformedHashException("not an MD5-CRYPT hash");
                }
                yield Bytes.equal(Md5Crypt.md5Crypt(password, encoded), encoded);
            }
            case DES -> des(encoded, password);
            case SHA512, SHA256, GENERIC -> crypt(encoded, password);
        };
    }

    /** Generic crypt(3): the method is chosen by the stored hash's prefix. */
    static boolean crypt(String encoded, byte[] password) {
        if (encoded.startsWith("$6$")) {
            return Bytes.equal(Sha2Crypt.sha512Crypt(password, encoded), encoded);
        }
        if (encoded.startsWith("$5$")) {
            return Bytes.equal(Sha2Crypt.sha256Crypt(password, encoded), encoded);
        }
        if (encoded.startsWith("$1$")) {
            return Bytes.equal(Md5Crypt.md5Crypt(password, encoded), encoded);
        }
        if (encoded.startsWith("$2")) {
            return BcryptScheme.check(encoded, password);
        }
        if (encoded.startsWith("$")) {
            throw new MalformedHashException("unsupported crypt(3) method");
        }
        return des(encoded, password);
    }

    private static boolean des(String encoded, byte[] password) {
        if (encoded.length() != 13) {
            throw new MalformedHashException("not a DES crypt hash");
        }
        return Bytes.equal(UnixCrypt.crypt(password, encoded.substring(0, 2)), encoded);
    }
}
