package org.postern.directory.password;

import java.util.Base64;
import java.util.concurrent.Semaphore;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * ARGON2ID and ARGON2I in the PHC string form Dovecot (libsodium) stores:
 * {@code $argon2id$v=19$m=65536,t=3,p=1$SALT$HASH} with unpadded base64. New hashes use Dovecot's
 * defaults (ARGON2ID m=65536 KiB, t=3; ARGON2I m=32768 KiB, t=4; p=1; 16-byte salt, 32-byte hash).
 * Each computation holds m KiB of heap, so concurrent computations are bounded.
 */
final class Argon2Scheme implements PasswordScheme {
    /** Upper bound on m accepted from a stored hash (1 GiB), so one bad row cannot exhaust the heap. */
    static final int MAX_MEMORY_KIB = 1 << 20;
    private static final int MAX_ITERATIONS = 1000;
    private static final Semaphore SLOTS = new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    private final String name;
    private final String id;
    private final int type;
    private final int memoryKib;
    private final int iterations;

    private Argon2Scheme(String name, String id, int type, int memoryKib, int iterations) {
        this.name = name;
        this.id = id;
        this.type = type;
        this.memoryKib = memoryKib;
        this.iterations = iterations;
    }

    static Argon2Scheme argon2id() {
        return new Argon2Scheme("ARGON2ID", "argon2id", Argon2Parameters.ARGON2_id, 65536, 3);
    }

    static Argon2Scheme argon2i() {
        return new Argon2Scheme("ARGON2I", "argon2i", Argon2Parameters.ARGON2_i, 32768, 4);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean hashable() {
        return true;
    }

    @Override
    public String hash(byte[] password) {
        byte[] salt = Bytes.random(16);
        byte[] out = compute(password, salt, Argon2Parameters.ARGON2_VERSION_13, memoryKib, iterations, 1, 32);
        return "$" + id + "$v=19$m=" + memoryKib + ",t=" + iterations + ",p=1$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    @Override
    public boolean verify(String encoded, byte[] password) {
        // $argon2id$v=19$m=65536,t=3,p=1$salt$hash ; the "v=" field is absent in version 1.0 hashes
        String[] f = encoded.split("\\$", -1);
        if (f.length < 5 || !f[0].isEmpty() || !f[1].equals(id)) {
            throw new MalformedHashException("not an " + name + " hash");
        }
        int i = 2;
        int version = Argon2Parameters.ARGON2_VERSION_10;
        if (f[i].startsWith("v=")) {
            version = number(f[i].substring(2), 0x10, 0x13);
            i++;
        }
        if (f.length != i + 3) {
            throw new MalformedHashException("malformed " + name + " hash");
        }
        int m = -1;
        int t = -1;
        int p = -1;
        for (String kv : f[i].split(",")) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                throw new MalformedHashException("malformed " + name + " parameters");
            }
            String v = kv.substring(eq + 1);
            switch (kv.substring(0, eq)) {
                case "m" -> m = number(v, 8, MAX_MEMORY_KIB);
                case "t" -> t = number(v, 1, MAX_ITERATIONS);
                case "p" -> p = number(v, 1, 255);
                case "keyid", "data" -> throw new MalformedHashException(name + " with keyid/data is not supported");
                default -> throw new MalformedHashException("unknown " + name + " parameter");
            }
        }
        if (m < 0 || t < 0 || p < 0 || m < 8 * p) {
            throw new MalformedHashException("missing or inconsistent " + name + " parameters");
        }
        if ((long) m * 1024 > Runtime.getRuntime().maxMemory() / 4) {
            // refuse rather than risk an OutOfMemoryError in the middle of a login
            throw new MalformedHashException(name + " memory cost m=" + m + " KiB exceeds a quarter of the heap (raise -Xmx)");
        }
        byte[] salt = Base64.getDecoder().decode(f[i + 1]);
        byte[] expected = Base64.getDecoder().decode(f[i + 2]);
        if (salt.length < 8 || expected.length < 4 || expected.length > 1024) {
            throw new MalformedHashException("bad " + name + " salt or hash length");
        }
        return Bytes.equal(compute(password, salt, version, m, t, p, expected.length), expected);
    }

    private byte[] compute(byte[] password, byte[] salt, int version, int m, int t, int p, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(type).withVersion(version)
                .withMemoryAsKB(m).withIterations(t).withParallelism(p).withSalt(salt).build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        SLOTS.acquireUninterruptibly();
        try {
            gen.generateBytes(password, out);
        } finally {
            SLOTS.release();
        }
        return out;
    }

    private static int number(String s, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new MalformedHashException("bad number in argon2 hash");
        }
        if (v < min || v > max) {
            throw new MalformedHashException("argon2 parameter out of range");
        }
        return v;
    }
}
