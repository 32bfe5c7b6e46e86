package org.postern.directory.password;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/** Dovecot's password encodings, selected by a scheme name suffix ({@code {SSHA512.HEX}}). */
enum Encoding {
    BASE64, HEX, NONE;

    String encode(byte[] raw) {
        return switch (this) {
            case BASE64 -> Base64.getEncoder().encodeToString(raw);
            case HEX -> HexFormat.of().formatHex(raw);
            case NONE -> new String(raw, java.nio.charset.StandardCharsets.UTF_8);
        };
    }

    byte[] decode(String text) {
        return switch (this) {
            // padding is optional in Java's basic decoder, as in Dovecot's
            case BASE64 -> Base64.getDecoder().decode(text.strip());
            case HEX -> HexFormat.of().parseHex(text.strip().toLowerCase(Locale.ROOT));
            case NONE -> text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        };
    }

    /** The encoding named by a suffix after the scheme's dot ("b64", "base64", "hex"), or null. */
    static Encoding ofSuffix(String suffix) {
        return switch (suffix.toUpperCase(Locale.ROOT)) {
            case "B64", "BASE64" -> BASE64;
            case "HEX" -> HEX;
            default -> null;
        };
    }

    String suffix() {
        return switch (this) {
            case BASE64 -> "B64";
            case HEX -> "HEX";
            case NONE -> "";
        };
    }
}
