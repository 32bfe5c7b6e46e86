package org.postern.server.control;

import java.util.HexFormat;

/**
 * The control socket's line protocol (version 1), spoken over a unix domain socket by the CLI
 * and the running server.
 *
 * <pre>
 * request:   one line, e.g. "queue list", "queue show ID", "queue flush", "queue delete ID|ALL",
 *            "queue hold ID|ALL", "queue release ID|ALL", "ping"
 * response:  "OK" or "ERR text", then data lines, then a line with a single "." (dot-stuffed)
 * </pre>
 * Data lines are space-separated tokens; free text in tokens is escaped with {@link #enc}.
 */
public final class ControlProtocol {
    private ControlProtocol() {
    }

    /** Longest request line accepted. */
    public static final int MAX_REQUEST = 1024;

    /** Escapes a value as one token: "-" for null, else "=" and the text with controls, space and '%' as %XX. */
    public static String enc(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(s.length() + 1).append('=');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == '%' || c == 0x7f) {
                sb.append('%').append(HexFormat.of().toHexDigits((byte) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public static String dec(String t) {
        if (t.equals("-")) {
            return null;
        }
        if (t.isEmpty() || t.charAt(0) != '=') {
            throw new IllegalArgumentException("bad token: " + t);
        }
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 1; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '%' && i + 2 < t.length()) {
                sb.append((char) HexFormat.fromHexDigits(t, i + 1, i + 3));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
