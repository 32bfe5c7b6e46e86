package org.postern.core;

import java.util.List;
import java.util.Objects;

/**
 * A protocol reply: a three-digit code, an optional enhanced status code (RFC 2034/3463) and text.
 * Text is one or more lines; it never contains CR or LF (the codec writes the continuation form).
 * Reply strings live here or next to the check that produces them, not as literals in sessions.
 */
public record Reply(int code, EnhancedStatus status, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        Objects.requireNonNull(lines, "lines");
        if (lines.isEmpty()) {
            lines = List.of("");
        }
        for (String l : lines) {
            if (l.indexOf('\r') >= 0 || l.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("reply text must not contain CR or LF");
            }
        }
        lines = List.copyOf(lines);
        if (status != null && status.klass() != code / 100) {
            throw new IllegalArgumentException("enhanced status class " + status + " does not match code " + code);
        }
    }

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status == null ? null : EnhancedStatus.parse(status), List.of(text));
    }

    public static Reply of(int code, String text) {
        return new Reply(code, null, List.of(text));
    }

    /**
     * Parses an access-table style reply such as {@code "550 5.7.1 No thanks"} or {@code "450 Try later"}.
     * Returns null when the text does not start with a three-digit 4xx/5xx code.
     */
    public static Reply parseActionText(String text) {
        String t = text.strip();
        if (t.length() < 3 || !Character.isDigit(t.charAt(0)) || !Character.isDigit(t.charAt(1)) || !Character.isDigit(t.charAt(2))
                || (t.length() > 3 && t.charAt(3) != ' ')) {
            return null;
        }
        int code = Integer.parseInt(t.substring(0, 3));
        if (code < 200 || code > 599) {
            return null;
        }
        String rest = t.length() > 3 ? t.substring(4).strip() : "";
        EnhancedStatus es = null;
        int sp = rest.indexOf(' ');
        String first = sp < 0 ? rest : rest.substring(0, sp);
        if (EnhancedStatus.looksLike(first) && first.charAt(0) - '0' == code / 100) {
            es = EnhancedStatus.parse(first);
            rest = sp < 0 ? "" : rest.substring(sp + 1).strip();
        }
        return new Reply(code, es, List.of(Texts.safe(rest)));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** First line text. */
    public String text() {
        return lines.getFirst();
    }

    /** The reply as one line for logs: {@code "550 5.1.1 text"} (multi-line replies joined with "; "). */
    public String oneLine() {
        StringBuilder sb = new StringBuilder().append(code);
        if (status != null) {
            sb.append(' ').append(status);
        }
        String t = String.join("; ", lines);
        if (!t.isEmpty()) {
            sb.append(' ').append(t);
        }
        return sb.toString();
    }

    /** The same reply with code class changed (e.g. soft_bounce: 5xx becomes 4xx). */
    public Reply withCode(int newCode) {
        EnhancedStatus es = status == null ? null : status.withClass(newCode / 100);
        return new Reply(newCode, es, lines);
    }

    @Override
    public String toString() {
        return oneLine();
    }
}
