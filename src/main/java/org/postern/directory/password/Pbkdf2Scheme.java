package org.postern.directory.password;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Dovecot's PBKDF2: {@code $1$SALT$ROUNDS$HEX} where HEX is PBKDF2-HMAC-SHA1(password, SALT as its ASCII
 * text, ROUNDS, 20 bytes). Dovecot writes a 16-character salt and 5000 rounds; Postern writes 100000
 * rounds (Dovecot verifies any count).
 */
final class Pbkdf2Scheme implements PasswordScheme {
    static final int ROUNDS = 100_000;
    private static final int MAX_ROUNDS = 10_000_000;

    @Override
    public String name() {
        return "PBKDF2";
    }

    @Override
    public boolean hashable() {
        return true;
    }

    @Override
    public String hash(byte[] password) {
        String salt = Bytes.alnumSalt(16);
        return "$1$" + salt + "$" + ROUNDS + "$" + HexFormat.of().formatHex(derive(password, salt, ROUNDS, 20));
    }

    @Override
    public boolean verify(String encoded, byte[] password) {
        String[] p = encoded.split("\\$", -1);
        if (p.length != 5 || !p[0].isEmpty() || !p[1].equals("1") || p[2].isEmpty()) {
            throw new MalformedHashException("not a PBKDF2 hash ($1$salt$rounds$hex)");
        }
        int rounds;
        try {
            rounds = Integer.parseInt(p[3]);
        } catch (NumberFormatException e) {
            throw new MalformedHashException("bad PBKDF2 rounds");
        }
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            throw new MalformedHashException("PBKDF2 rounds out of range");
        }
        byte[] expected = HexFormat.of().parseHex(p[4].toLowerCase(java.util.Locale.ROOT));
        if (expected.length == 0 || expected.length > 64) {
            throw new MalformedHashException("bad PBKDF2 hash length");
        }
        return Bytes.equal(derive(password, p[2], rounds, expected.length), expected);
    }

    private static byte[] derive(byte[] password, String salt, int rounds, int length) {
        PKCS5S2ParametersGenerator g = new PKCS5S2ParametersGenerator(new SHA1Digest());
        g.init(password, salt.getBytes(StandardCharsets.UTF_8), rounds);
        return ((KeyParameter) g.generateDerivedMacParameters(length * 8)).getKey();
    }
}
