package org.postern.directory.password;

/**
 * One Dovecot password scheme. Implementations throw {@link IllegalArgumentException} from
 * {@link #verify} when the stored text is malformed for the scheme; {@link Passwords} turns that
 * into {@code false} and a warning.
 */
interface PasswordScheme {
    /** Canonical upper-case name, e.g. "SHA512-CRYPT". */
    String name();

    /** Whether {@link Passwords#hash} may create new hashes with it (weak and legacy schemes are verify-only). */
    boolean hashable();

    /** Weak schemes (plain text, unsalted digests, DES) log a warning when a password matches. */
    default boolean weak() {
        return false;
    }

    /** The stored form without the "{SCHEME}" prefix, for the UTF-8 password bytes. */
    String hash(byte[] password);

    /** Whether {@code encoded} (without prefix) is a hash of the UTF-8 password bytes; comparison in constant time. */
    boolean verify(String encoded, byte[] password);
}
