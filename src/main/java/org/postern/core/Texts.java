package org.postern.core;

/**
 * Making untrusted text safe for a log line, a reply or a header: no control characters
 * (CR/LF injection), bounded length. Non-ASCII is kept (UTF-8 logs), but C0/C1 controls
 * and DEL are replaced with '?'.
 */
public final class Texts {
    private Texts() {
    }

    public static final int DEFAULT_MAX = 512;

    public static String safe(String s) {
        return safe(s, DEFAULT_MAX);
    }

    public static String safe(String s, int max) {
        if (s == null) {
            return "";
        }
        int n = Math.min(s.length(), max);
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean bad = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (bad) {
                if (sb == null) {
                    sb = new StringBuilder(n).append(s, 0, i);
                }
                sb.append('?');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        String out = sb != null ? sb.toString() : (n == s.length() ? s : s.substring(0, n));
        return n < s.length() ? out + "..." : out;
    }
}
