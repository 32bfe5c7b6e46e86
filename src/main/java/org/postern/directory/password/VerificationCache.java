package org.postern.directory.password;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Remembers successful verifications for a while, like Dovecot's auth cache, so a client that logs in
 * again and again (IMAP clients open many connections) does not pay for ARGON2ID or bcrypt each time.
 * Only successes are cached, so guessing stays as slow as the scheme makes it. An entry is keyed by
 * HMAC-SHA256 (with a random per-process key) over the stored hash and the password: it holds neither,
 * and a changed password (a new stored hash) never hits an old entry.
 */
public final class VerificationCache {
    private final Cache<String, Boolean> verified;
    private final Mac mac;

    public VerificationCache(long maxEntries, Duration ttl) {
        this.verified = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).recordStats().build();
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(Bytes.random(32), "HmacSHA256"));
            this.mac = m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
        }
    }

    /** {@link Passwords#verify(String, char[], String)}, answered from the cache after a recent success. */
    public boolean verify(String stored, char[] plain, String defaultScheme) {
        if (stored == null || plain == null) {
            return Passwords.verify(stored, plain, defaultScheme);
        }
        String key = key(stored, plain);
        if (verified.getIfPresent(key) != null) {
            return true;
        }
        boolean ok = Passwords.verify(stored, plain, defaultScheme);
        if (ok) {
            verified.put(key, Boolean.TRUE);
        }
        return ok;
    }

    /** {@link Passwords#verifyLogin} (unknown users cost a real verification's time). */
    public boolean verifyLogin(Optional<String> stored, char[] plain, String defaultScheme) {
        return stored.isEmpty() ? Passwords.verifyLogin(stored, plain, defaultScheme) : verify(stored.get(), plain, defaultScheme);
    }

    /** Forgets everything (e.g. after an administrator changed passwords in bulk). */
    public void clear() {
        verified.invalidateAll();
    }

    /** Hits and misses so far, for metrics. */
    public String stats() {
        var s = verified.stats();
        return "hits=" + s.hitCount() + " misses=" + s.missCount() + " size=" + verified.estimatedSize();
    }

    private String key(String stored, char[] plain) {
        byte[] pw = Passwords.utf8(plain);
        byte[] st = stored.getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer lengths = ByteBuffer.allocate(8).putInt(st.length).putInt(pw.length);
            synchronized (mac) {
                mac.update(lengths.array());
                mac.update(st);
                mac.update(pw);
                return HexFormat.of().formatHex(mac.doFinal());
            }
        } finally {
            Bytes.wipe(pw);
        }
    }
}
