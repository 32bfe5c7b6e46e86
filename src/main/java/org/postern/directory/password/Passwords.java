package org.postern.directory.password;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postern.core.Texts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dovecot password schemes: hashes as stored in a Postfix/Dovecot user database, with or without the
 * {@code {SCHEME}} prefix, verify here exactly as with Dovecot; hashes made here verify with
 * {@code doveadm pw -t}. Passwords are hashed as their UTF-8 bytes, as Dovecot does.
 *
 * <p>Hashable: SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID, ARGON2I, PBKDF2, SSHA512, SSHA256, SSHA
 * (the SSHA family also as ".B64"/".HEX"). Verify-only: CRYPT, DES-CRYPT, MD5-CRYPT (MD5), SMD5, the unsalted
 * SHA, SHA1, SHA256, SHA512, PLAIN-MD5, LDAP-MD5, and PLAIN (CLEAR, CLEARTEXT). A match with a weak scheme is
 * logged as a warning (once per call site and scheme) so the administrator can rehash.
 */
public final class Passwords {
    private Passwords() {
    }

    /** The scheme of new hashes unless configured otherwise (directory.pass_scheme). */
    public static final String DEFAULT_SCHEME = "ARGON2ID";

    private static final Logger LOG = LoggerFactory.getLogger("directory");

    private static final Map<String, PasswordScheme> SCHEMES = new LinkedHashMap<>();
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final Map<String, String> DUMMIES = new ConcurrentHashMap<>();
    /** The scheme of the last real verification: what an unknown user's dummy verification imitates. */
    private static volatile String lastScheme = DEFAULT_SCHEME;

    static {
        add(new CryptScheme("SHA512-CRYPT", CryptScheme.Kind.SHA512));
        add(new CryptScheme("SHA256-CRYPT", CryptScheme.Kind.SHA256));
        add(new BcryptScheme());
        add(Argon2Scheme.argon2id());
        add(Argon2Scheme.argon2i());
        add(new Pbkdf2Scheme());
        add(new DigestScheme("SSHA512", "SHA-512", true, Encoding.BASE64));
        add(new DigestScheme("SSHA256", "SHA-256", true, Encoding.BASE64));
        add(new DigestScheme("SSHA", "SHA-1", true, Encoding.BASE64));
        add(new CryptScheme("CRYPT", CryptScheme.Kind.GENERIC));
        add(new CryptScheme("DES-CRYPT", CryptScheme.Kind.DES));
        add(new CryptScheme("MD5-CRYPT", CryptScheme.Kind.MD5));
        alias("MD5", "MD5-CRYPT"); // Dovecot's "MD5" is MD5-CRYPT, not a plain digest
        add(new DigestScheme("SMD5", "MD5", true, Encoding.BASE64));
        add(new DigestScheme("SHA", "SHA-1", false, Encoding.BASE64));
        alias("SHA1", "SHA");
        add(new DigestScheme("SHA256", "SHA-256", false, Encoding.BASE64));
        add(new DigestScheme("SHA512", "SHA-512", false, Encoding.BASE64));
        add(new DigestScheme("PLAIN-MD5", "MD5", false, Encoding.HEX));
        add(new DigestScheme("LDAP-MD5", "MD5", false, Encoding.BASE64));
        add(new PlainScheme(Encoding.NONE));
        alias("CLEAR", "PLAIN");
        alias("CLEARTEXT", "PLAIN");
    }

    private static void add(PasswordScheme s) {
        SCHEMES.put(s.name(), s);
    }

    private static void alias(String alias, String target) {
        SCHEMES.put(alias, SCHEMES.get(target));
    }

    /**
     * Hash with a Dovecot scheme name (case-insensitive); returns "{SCHEME}hash". Throws
     * IllegalArgumentException for unknown/verify-only schemes.
     */
    public static String hash(String scheme, char[] plain) {
        PasswordScheme s = resolve(scheme);
        if (s == null) {
            throw new IllegalArgumentException("unknown password scheme '" + Texts.safe(scheme, 64)
                    + "' (known: " + String.join(", ", hashableSchemes()) + ")");
        }
        if (!s.hashable()) {
            throw new IllegalArgumentException("password scheme " + s.name()
                    + " is accepted for verification only; use one of " + String.join(", ", hashableSchemes()));
        }
        byte[] pw = utf8(plain);
        try {
            return "{" + s.name() + "}" + s.hash(pw);
        } finally {
            Bytes.wipe(pw);
        }
    }

    /**
     * Verify a stored hash, with or without {SCHEME} prefix (prefix-less uses defaultScheme).
     * Constant-time compare. PLAIN matches log a warning once per call site ("weak scheme").
     * Unknown scheme -> false + warning (never exception). A stored hash that cannot match (null,
     * empty, unknown scheme, malformed) still costs a verification of the last scheme seen.
     */
    public static boolean verify(String stored, char[] plain, String defaultScheme) {
        if (stored == null || plain == null) {
            verifyDummy(plain == null ? new char[0] : plain, lastScheme);
            return false;
        }
        String schemeName = defaultScheme;
        String encoded = stored;
        if (stored.startsWith("{")) {
            int end = stored.indexOf('}');
            if (end > 1) {
                schemeName = stored.substring(1, end);
                encoded = stored.substring(end + 1);
            }
        }
        PasswordScheme s = resolve(schemeName);
        if (s == null) {
            warnOnce("unknown:" + schemeName, "unknown password scheme '" + Texts.safe(schemeName, 64)
                    + "': authentication fails for such users");
            verifyDummy(plain, lastScheme);
            return false;
        }
        if (encoded.isEmpty()) {
            verifyDummy(plain, lastScheme);
            return false;
        }
        byte[] pw = utf8(plain);
        try {
            lastScheme = s.name();
            boolean ok = s.verify(encoded, pw);
            if (ok && s.weak()) {
                warnOnce("weak:" + s.name(), "password verified with weak scheme " + s.name()
                        + ": rehash it (postern user passwd) with " + DEFAULT_SCHEME);
            }
            return ok;
        } catch (RuntimeException e) {
            // never log the stored text itself (a credential): library messages may quote parts of it
            String why = e instanceof MalformedHashException ? e.getMessage() : "unparseable: " + e.getClass().getSimpleName();
            warnOnce("malformed:" + s.name(), "malformed " + s.name() + " password hash ("
                    + Texts.safe(why, 80) + "): authentication fails for such users");
            verifyDummy(plain, lastScheme);
            return false;
        } finally {
            Bytes.wipe(pw);
        }
    }

    /**
     * A login attempt: verifies {@code stored} when the user exists, and when it does not (empty)
     * does the same work on a dummy hash and returns false, so both cases take the same time. The dummy
     * uses the scheme of the last real verification: in a database whose users share a scheme (a
     * seed database of SHA512-CRYPT hashes, or Postern's ARGON2ID), an unknown user costs what a known one does.
     */
    public static boolean verifyLogin(java.util.Optional<String> stored, char[] plain, String defaultScheme) {
        if (stored.isEmpty()) {
            verifyDummy(plain, lastScheme);
            return false;
        }
        return verify(stored.get(), plain, defaultScheme);
    }

    /**
     * Burn the same time as a verification of a real hash of the default new scheme (used when the
     * user is unknown).
     */
    public static void verifyDummy(char[] plain) {
        verifyDummy(plain, DEFAULT_SCHEME);
    }

    /**
     * Burn the time of a verification with {@code scheme} (e.g. the configured default scheme of a
     * foreign database, so unknown users cost what known users with such hashes cost). An unknown
     * scheme falls back to {@link #DEFAULT_SCHEME}.
     */
    public static void verifyDummy(char[] plain, String scheme) {
        PasswordScheme s = resolve(scheme);
        if (s == null) {
            s = resolve(DEFAULT_SCHEME);
        }
        byte[] pw = utf8(plain == null ? new char[0] : plain);
        try {
            String dummy = DUMMIES.get(s.name());
            if (dummy == null) {
                // the first time, making the dummy hash costs what a verification costs
                DUMMIES.putIfAbsent(s.name(), s.hash(Bytes.random(16)));
            } else {
                s.verify(dummy, pw);
            }
        } finally {
            Bytes.wipe(pw);
        }
    }

    /** All supported names (aliases included), in a stable order. */
    public static List<String> schemes() {
        return List.copyOf(SCHEMES.keySet());
    }

    /** Those {@link #hash} accepts. */
    public static List<String> hashableSchemes() {
        List<String> out = new ArrayList<>();
        for (var e : SCHEMES.entrySet()) {
            if (e.getValue().hashable() && e.getKey().equals(e.getValue().name())) {
                out.add(e.getKey());
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code scheme} (case-insensitive, with an optional encoding suffix) is supported. */
    public static boolean isKnown(String scheme) {
        return resolve(scheme) != null;
    }

    /** The scheme of a name such as "ssha512", "SSHA512.HEX" or "CLEAR", or null when unknown. */
    static PasswordScheme resolve(String scheme) {
        if (scheme == null || scheme.isEmpty()) {
            return null;
        }
        String name = scheme.strip().toUpperCase(Locale.ROOT);
        PasswordScheme s = SCHEMES.get(name);
        if (s != null) {
            return s;
        }
        int dot = name.lastIndexOf('.');
        if (dot <= 0) {
            return null;
        }
        PasswordScheme base = SCHEMES.get(name.substring(0, dot));
        Encoding enc = Encoding.ofSuffix(name.substring(dot + 1));
        if (base == null || enc == null) {
            return null;
        }
        return switch (base) {
            case DigestScheme d -> d.withEncoding(enc);
            case PlainScheme p -> p.withEncoding(enc);
            default -> null;
        };
    }

    /** Logs a warning once per (key, call site outside this class). */
    private static void warnOnce(String key, String message) {
        String site = StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Passwords.class.getName()))
                .findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber())
                .orElse("?"));
        if (WARNED.add(key + "@" + site)) {
            LOG.warn(message);
        }
    }

    /** The UTF-8 bytes of a password (the caller wipes them); unpaired surrogates become '?'. */
    static byte[] utf8(char[] plain) {
        CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer bb;
        try {
            bb = enc.encode(CharBuffer.wrap(plain));
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e);
        }
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        if (bb.hasArray()) {
            java.util.Arrays.fill(bb.array(), (byte) 0);
        }
        return out;
    }
}
