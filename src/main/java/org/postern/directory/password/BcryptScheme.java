package org.postern.directory.password;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * BLF-CRYPT: OpenBSD bcrypt, "$2a$", "$2b$" and "$2y$" (BouncyCastle). New hashes are "$2y$" (what
 * Dovecot writes) with cost 10; Dovecot's own default cost of 5 is too cheap for new passwords.
 */
final class BcryptScheme implements PasswordScheme {
    static final int COST = 10;

    @Override
    public String name() {
        return "BLF-CRYPT";
    }

    @Override
    public boolean hashable() {
        return true;
    }

    @Override
    public String hash(byte[] password) {
        return OpenBSDBCrypt.generate("2y", password, Bytes.random(16), COST);
    }

    @Override
    public boolean verify(String encoded, byte[] password) {
        if (!encoded.startsWith("$2")) {
            throw new MalformedHashException("not a bcrypt hash");
        }
        return check(encoded, password);
    }

    static boolean check(String encoded, byte[] password) {
        // BouncyCastle re-computes the hash and compares the strings in constant time
        return OpenBSDBCrypt.checkPassword(encoded, password);
    }
}
