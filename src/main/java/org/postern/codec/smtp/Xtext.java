package org.postern.codec.smtp;

/**
 * RFC 3461 §4 xtext: printable ASCII 33..126 except '+' and '=', with "+HH" (upper-case hex)
 * for anything else. Used by ENVID, ORCPT and AUTH=.
 */
public final class Xtext {
    private Xtext() {
    }

    /** Decodes xtext; throws IllegalArgumentException on a bad character or escape. */
    public static String decode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated xtext escape");
                }
                int h = hex(s.charAt(i + 1));
                int l = hex(s.charAt(i + 2));
                if (h < 0 || l < 0) {
                    throw new IllegalArgumentException("bad xtext escape");
                }
                sb.append((char) (h * 16 + l));
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                throw new IllegalArgumentException("bad xtext character");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Encodes text as xtext (characters above 126 must have been excluded by the caller). */
    public static String encode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 33 || c > 126 || c == '+' || c == '=') {
                sb.append('+').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int hex(char c) {
        // RFC 3461 requires upper-case hex; we accept lower case too (be liberal in what we accept).
        return Character.digit(c, 16);
    }
}
