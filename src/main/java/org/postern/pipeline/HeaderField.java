package org.postern.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * A header field a check adds: a name (RFC 5322 §3.6.8 ftext) and an unfolded value. Neither may
 * carry CR or LF or other controls, so client text can never smuggle a header line of its own; the
 * writer folds long values at white space (RFC 5322 §2.2.3).
 */
public record HeaderField(String name, String value) {

    /** Longest line we write before folding (RFC 5322 §2.1.1 recommends 78). */
    static final int FOLD_AT = 78;

    public HeaderField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || name.length() > 76) {
            throw new IllegalArgumentException("header name must have 1 to 76 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                throw new IllegalArgumentException("bad character in header name '" + name + "'");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 32 && c != '\t') || c == 127) {
                throw new IllegalArgumentException("control character in the value of header " + name);
            }
        }
    }

    /** Parses "Name: value" (a PREPEND action's text, one line). */
    public static HeaderField parse(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("header '" + line + "' has no name and colon");
        }
        String value = line.substring(colon + 1);
        return new HeaderField(line.substring(0, colon).strip(), value.startsWith(" ") ? value.substring(1) : value);
    }

    public boolean named(String other) {
        return name.equalsIgnoreCase(other);
    }

    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }

    /** The field as it is written: "Name: value" folded at white space, each line ending in CRLF. */
    public byte[] bytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    /** The folded text with CRLF line ends. */
    public String text() {
        String line = name + ": " + value;
        if (line.length() <= FOLD_AT) {
            return line + "\r\n";
        }
        StringBuilder sb = new StringBuilder(line.length() + 16);
        int lineStart = 0;
        int lastSpace = -1;
        for (int i = name.length() + 2; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == ' ' || c == '\t') && i > lineStart) {
                lastSpace = i;
            }
            if (i - lineStart >= FOLD_AT && lastSpace > lineStart) {
                sb.append(line, lineStart, lastSpace).append("\r\n");
                lineStart = lastSpace; // the white space starts the continuation line
                lastSpace = -1;
            }
        }
        sb.append(line, lineStart, line.length()).append("\r\n");
        return sb.toString();
    }
}
