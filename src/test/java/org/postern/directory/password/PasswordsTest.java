package org.postern.directory.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Pure-logic tests per scheme; the vectors below were made by the real {@code doveadm pw} (Dovecot 2.3). */
class PasswordsTest {
    private static final char[] SECRET = "secret".toCharArray();
    private static final char[] WRONG = "Secret".toCharArray();

    static List<String> hashable() {
        return Passwords.hashableSchemes();
    }

    @ParameterizedTest
    @MethodSource("hashable")
    void hashThenVerify(String scheme) {
        String h = Passwords.hash(scheme, SECRET);
        assertTrue(h.startsWith("{" + scheme + "}"), h);
        assertTrue(Passwords.verify(h, SECRET, "PLAIN"), h);
        assertFalse(Passwords.verify(h, WRONG, "PLAIN"), h);
        assertFalse(Passwords.verify(h, new char[0], "PLAIN"), h);
        assertNotEquals(h, Passwords.hash(scheme, SECRET), "salted: two hashes differ");
    }

    @ParameterizedTest
    @MethodSource("hashable")
    void unicodePasswordsHashAsUtf8(String scheme) {
        char[] pw = "pässwörd-日本-\uD83D\uDE00".toCharArray();
        String h = Passwords.hash(scheme, pw);
        assertTrue(Passwords.verify(h, pw, "PLAIN"));
        assertFalse(Passwords.verify(h, "passwörd-日本-\uD83D\uDE00".toCharArray(), "PLAIN"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{SHA512-CRYPT}$6$vJpwdsldASeNe/M7$z0yDDWbn/0kY6YA12.anIsTcnASY2eT6iBLWVR4F7Lit/y1kfPa27LeZqFw9.Rqd4JLHi8ir8QiidEBYjI67h0",
        "{SHA512-CRYPT}$6$rounds=10000$sWhEzaaKO2CiKAGX$4DuEYKRNqbyZIDB64mF0viSC8KTXHp/8sVIE.AKXSCtERmqz7Uwf2QDodFjZBYi6Th7cF8.TP/7MkXGJmFNlf1",
        "{SHA256-CRYPT}$5$OlYz49MTwutqqn.2$oZPsqL81MR6DOOQEYo7OZ0BVNFBiImw/pZjszAQ1mM0",
        "{BLF-CRYPT}$2y$05$ap.8n39xyOfuv6IuacKbMe8LiQGF58Fft/jmmZQSmLZBz/5n1mQ6S",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$+1DVtN4zzkC0C2QM6NfxfQ$Al6uwfpymbKCOYhtJz5q60MvY4I1+x2qOUH0pTuksDo",
        "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$ykXbL7GWlQS+zHlPtEqeYQ$7AZohmG/bsRaL20Pw8JI1vHKSGqn57xGvFKr3qf9wM0",
        "{PBKDF2}$1$UTtM0kaLRRzApbW8$5000$bf92e20423823a3e46ba6782029345aeff7fcb4e",
        "{SSHA512}zKlxCA4JmYQ1ec1cKA+C0QklZ2H2jeL1klo5Dit+Jb3dRD5FqUAOm3RsepG8Y5TW7UGlx96bwX+cUDxh1zzljT7/1sc=",
        "{SSHA256}LSb7Nh//P1/Z91oFU14hfWI7S8GHWGLxXe6vKjib/YYFvixM",
        "{SSHA}SqcJkOQqUape0kw76nk5BKk9RT/hNqos",
        "{SSHA512.B64}BcuzbJAPf7/lp2/wKxrTIkg2hUPZIcNsjJb80KOQLzECnZ73S3r2ridGDfOGY17zz8Tg+XwRzPbpi+YTBee9LdaETlA=",
        "{SSHA.HEX}bdea0e485db99dca48270174d466954be3db3ffc95eb1011",
        "{CRYPT}$2y$05$d92QPe2HioohANU2MQ7gx.QmPPmbk/HZd8xRgu1YCpevxTpIvP3z.",
        "{CRYPT}$6$WeRj1nV.WRuwclfL$5WjpHaeNt920VeihfM0h3Rs.PTOaVXjAei.pVDkKq0jKsszunayJZ0TNQQebo4QT5CNZcBMaalDe/JpRqVTlC1",
        "{SHA512-CRYPT}$1$8lNHDT0L$lSFCtxoqgpawfl5J9Y48v.",
        "{DES-CRYPT}Fipx.a4Q5fjjw",
        "{MD5-CRYPT}$1$vMON1fYI$RyRNT/Jy8eO1u0411UMZq1",
        "{MD5}$1$YcaKCvbm$6osPCpozYf5YNDhSWZiSY1",
        "{SMD5}jJlngebDRMWah3Ns6+o4OytYe0Y=",
        "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
        "{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=",
        "{SHA512}vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==",
        "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69",
        "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==",
        "{PLAIN}secret",
        "{CLEAR}secret",
        "{PLAIN.B64}c2VjcmV0",
    })
    void doveadmVectors(String stored) {
        assertTrue(Passwords.verify(stored, SECRET, "PLAIN"), stored);
        assertFalse(Passwords.verify(stored, WRONG, "PLAIN"), stored);
        String lower = "{" + stored.substring(1, stored.indexOf('}')).toLowerCase() + stored.substring(stored.indexOf('}'));
        assertTrue(Passwords.verify(lower, SECRET, "PLAIN"), "scheme names are case-insensitive");
    }

    @Test
    void prefixLessHashesUseTheDefaultScheme() {
        String sha = "$6$vJpwdsldASeNe/M7$z0yDDWbn/0kY6YA12.anIsTcnASY2eT6iBLWVR4F7Lit/y1kfPa27LeZqFw9.Rqd4JLHi8ir8QiidEBYjI67h0";
        assertTrue(Passwords.verify(sha, SECRET, "SHA512-CRYPT"));
        assertTrue(Passwords.verify(sha, SECRET, "crypt"));
        assertFalse(Passwords.verify(sha, WRONG, "SHA512-CRYPT"));
        assertFalse(Passwords.verify(sha, SECRET, "BLF-CRYPT"), "bcrypt accepts only $2 hashes, as in Dovecot");
        assertFalse(Passwords.verify(sha, SECRET, "PLAIN"));
        assertTrue(Passwords.verify("secret", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("secret", SECRET, "NOSUCH"));
    }

    @Test
    void md5CryptAcceptsOnlyMd5Hashes() {
        String sha = "{MD5-CRYPT}$6$vJpwdsldASeNe/M7$z0yDDWbn/0kY6YA12.anIsTcnASY2eT6iBLWVR4F7Lit/y1kfPa27LeZqFw9.Rqd4JLHi8ir8QiidEBYjI67h0";
        assertFalse(Passwords.verify(sha, SECRET, "PLAIN"));
    }

    @Test
    void unknownOrMalformedIsFalseNeverAnException() {
        assertFalse(Passwords.verify("{FOO}secret", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{SSHA512.ZZZ}abc", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{SSHA512}!!notbase64!!", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{SSHA512}c2VjcmV0", SECRET, "PLAIN"), "too short");
        assertFalse(Passwords.verify("{SHA512-CRYPT}$y$j9T$abc$def", SECRET, "PLAIN"), "yescrypt is not supported");
        assertFalse(Passwords.verify("{ARGON2ID}$argon2id$v=19$m=99999999,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{ARGON2ID}$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{PBKDF2}$1$salt$x$00", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{BLF-CRYPT}$2y$99$abc", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{DES-CRYPT}abc", SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{PLAIN}", new char[0], "PLAIN"), "an empty stored password never matches");
        assertFalse(Passwords.verify(null, SECRET, "PLAIN"));
        assertFalse(Passwords.verify("{PLAIN}secret", null, "PLAIN"));
    }

    @Test
    void hashRejectsUnknownAndVerifyOnlySchemes() {
        assertThrows(IllegalArgumentException.class, () -> Passwords.hash("NOSUCH", SECRET));
        for (String s : List.of("PLAIN", "CRYPT", "MD5-CRYPT", "SHA", "PLAIN-MD5", "DES-CRYPT", "CLEAR")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Passwords.hash(s, SECRET));
            assertTrue(e.getMessage().contains("verification only"), e.getMessage());
        }
    }

    @Test
    void encodingSuffixesAndCanonicalNames() {
        String h = Passwords.hash("ssha256.hex", SECRET);
        assertTrue(h.startsWith("{SSHA256.HEX}"), h);
        assertTrue(h.substring(13).matches("[0-9a-f]+"), h);
        assertTrue(Passwords.verify(h, SECRET, "PLAIN"));
        assertTrue(Passwords.hash("sha512-crypt", SECRET).startsWith("{SHA512-CRYPT}$6$"));
    }

    @Test
    void defaultsMatchDovecot() {
        assertTrue(Passwords.hash("ARGON2ID", SECRET).startsWith("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$"));
        assertTrue(Passwords.hash("ARGON2I", SECRET).startsWith("{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$"));
        assertTrue(Passwords.hash("BLF-CRYPT", SECRET).startsWith("{BLF-CRYPT}$2y$10$"));
        assertTrue(Passwords.hash("PBKDF2", SECRET).matches("\\{PBKDF2}\\$1\\$[A-Za-z0-9]{16}\\$100000\\$[0-9a-f]{40}"));
        assertTrue(Passwords.hash("SHA256-CRYPT", SECRET).matches("\\{SHA256-CRYPT}\\$5\\$[./A-Za-z0-9]{16}\\$[./A-Za-z0-9]{43}"));
    }

    @Test
    void schemeLists() {
        assertEquals(List.of("SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "ARGON2ID", "ARGON2I", "PBKDF2", "SSHA512", "SSHA256", "SSHA"),
                Passwords.hashableSchemes());
        assertTrue(Passwords.schemes().containsAll(List.of("CRYPT", "MD5-CRYPT", "PLAIN", "CLEAR", "SHA1", "MD5")));
        assertTrue(Passwords.schemes().containsAll(Passwords.hashableSchemes()));
    }

    @Test
    void unknownUserCostsWhatAFailedVerificationCosts() {
        String stored = Passwords.hash(Passwords.DEFAULT_SCHEME, SECRET);
        Passwords.verifyDummy(WRONG); // creates the dummy hash
        for (int i = 0; i < 2; i++) { // warm up
            Passwords.verify(stored, WRONG, "PLAIN");
            Passwords.verifyDummy(WRONG);
        }
        long real = 0;
        long dummy = 0;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            Passwords.verify(stored, WRONG, "PLAIN");
            long t1 = System.nanoTime();
            Passwords.verifyDummy(WRONG);
            long t2 = System.nanoTime();
            real += t1 - t0;
            dummy += t2 - t1;
        }
        double ratio = (double) dummy / real;
        assertTrue(ratio > 0.5 && ratio < 2, "dummy/real time ratio " + ratio);
    }

    @Test
    void optionalStoredHashForLogins() {
        String stored = Passwords.hash("SHA256-CRYPT", SECRET);
        assertTrue(Passwords.verifyLogin(java.util.Optional.of(stored), SECRET, "PLAIN"));
        assertFalse(Passwords.verifyLogin(java.util.Optional.of(stored), WRONG, "PLAIN"));
        assertFalse(Passwords.verifyLogin(java.util.Optional.empty(), SECRET, "PLAIN"));
    }

    @Test
    void verificationCacheRemembersOnlySuccesses() {
        VerificationCache cache = new VerificationCache(100, java.time.Duration.ofMinutes(5));
        String stored = Passwords.hash("BLF-CRYPT", SECRET);
        long t0 = System.nanoTime();
        assertTrue(cache.verify(stored, SECRET, "PLAIN"));
        long first = System.nanoTime() - t0;
        t0 = System.nanoTime();
        assertTrue(cache.verify(stored, SECRET, "PLAIN"));
        long second = System.nanoTime() - t0;
        assertTrue(second * 20 < first, "cached: " + second + " ns vs " + first + " ns");
        assertFalse(cache.verify(stored, WRONG, "PLAIN"));
        assertFalse(cache.verify(stored, WRONG, "PLAIN"));
        String changed = Passwords.hash("BLF-CRYPT", WRONG);
        assertFalse(cache.verify(changed, SECRET, "PLAIN"), "a new stored hash never hits the old entry");
        assertTrue(cache.stats().startsWith("hits=1 "), cache.stats());
        assertFalse(cache.verifyLogin(java.util.Optional.empty(), SECRET, "PLAIN"));
        cache.clear();
        assertTrue(cache.verify(stored, SECRET, "PLAIN"));
    }

    @Test
    void unknownUserImitatesTheSchemeOfTheDatabase() {
        // a seed database of SHA512-CRYPT users: an unknown user must not cost an ARGON2ID verification
        java.util.Optional<String> known = java.util.Optional.of(Passwords.hash("SHA512-CRYPT", SECRET));
        java.util.Optional<String> unknown = java.util.Optional.empty();
        for (int i = 0; i < 5; i++) {
            Passwords.verifyLogin(known, WRONG, "PLAIN");
            Passwords.verifyLogin(unknown, WRONG, "PLAIN");
        }
        long real = 0;
        long dummy = 0;
        for (int i = 0; i < 30; i++) {
            long t0 = System.nanoTime();
            Passwords.verifyLogin(known, WRONG, "PLAIN");
            long t1 = System.nanoTime();
            Passwords.verifyLogin(unknown, WRONG, "PLAIN");
            long t2 = System.nanoTime();
            real += t1 - t0;
            dummy += t2 - t1;
        }
        double ratio = (double) dummy / real;
        assertTrue(ratio > 0.5 && ratio < 2, "dummy/real time ratio " + ratio);
    }
}
