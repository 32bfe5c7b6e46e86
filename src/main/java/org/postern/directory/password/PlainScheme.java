package org.postern.directory.password;

/** PLAIN (aliases CLEAR, CLEARTEXT): the password itself, optionally ".B64"/".HEX" encoded. Verify-only, weak. */
final class PlainScheme implements PasswordScheme {
    private final Encoding encoding;

    PlainScheme(Encoding encoding) {
        this.encoding = encoding;
    }

    PlainScheme withEncoding(Encoding e) {
        return new PlainScheme(e);
    }

    @Override
    public String name() {
        return encoding == Encoding.NONE ? "PLAIN" : "PLAIN." + encoding.suffix();
    }

    @Override
    public boolean hashable() {
        return false;
    }

    @Override
    public boolean weak() {
        return true;
    }

    @Override
    public String hash(byte[] password) {
        return encoding.encode(password);
    }

    @Override
    public boolean verify(String encoded, byte[] password) {
        byte[] stored = encoding.decode(encoded);
        try {
            return Bytes.equal(stored, password);
        } finally {
            Bytes.wipe(stored);
        }
    }
}
