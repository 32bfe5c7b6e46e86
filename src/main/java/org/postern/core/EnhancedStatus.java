package org.postern.core;

/**
 * An RFC 3463 enhanced status code, {@code class.subject.detail}, e.g. 5.1.1.
 */
public record EnhancedStatus(int klass, int subject, int detail) {

    public EnhancedStatus {
        if (klass != 2 && klass != 4 && klass != 5) {
            throw new IllegalArgumentException("enhanced status class must be 2, 4 or 5: " + klass);
        }
        if (subject < 0 || subject > 999 || detail < 0 || detail > 999) {
            throw new IllegalArgumentException("enhanced status out of range");
        }
    }

    /** Parses {@code "5.1.1"}. */
    public static EnhancedStatus parse(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 3) {
            throw new IllegalArgumentException("not an enhanced status code: " + s);
        }
        try {
            return new EnhancedStatus(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an enhanced status code: " + s, e);
        }
    }

    /** True when {@code s} looks like an enhanced status code (used to split "550 5.1.1 text"). */
    public static boolean looksLike(String s) {
        int dots = 0;
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 2 && (s.charAt(0) == '2' || s.charAt(0) == '4' || s.charAt(0) == '5');
    }

    /** The same subject/detail with another class, e.g. 5.7.1 to 4.7.1 when a reject is softened. */
    public EnhancedStatus withClass(int newClass) {
        return new EnhancedStatus(newClass, subject, detail);
    }

    @Override
    public String toString() {
        return klass + "." + subject + "." + detail;
    }
}
