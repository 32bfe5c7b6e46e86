package org.postern.core;

import java.net.IDN;
import java.util.Locale;

/**
 * An RFC 5321 mailbox, {@code local-part@domain}, parsed and validated at the edge.
 *
 * <p>The local part keeps its original spelling (it is what we put in Delivered-To and logs);
 * comparisons use {@link #key()}, which lower-cases the local part (our mailboxes are
 * case-insensitive, as in Postfix virtual maps and Dovecot) and uses the ASCII (A-label) form of
 * the domain, so {@code user@bücher.example} and {@code USER@xn--bcher-kva.example} are the same.
 */
public final class Address {
    private final String local;
    private final String domain;      // ASCII, lower case; or an address literal "[...]"
    private final String unicodeDomain;
    private final boolean quoted;

    private Address(String local, String domain, String unicodeDomain, boolean quoted) {
        this.local = local;
        this.domain = domain;
        this.unicodeDomain = unicodeDomain;
        this.quoted = quoted;
    }

    /** Thrown for text that is not a valid mailbox; the message says what is wrong. */
    public static final class InvalidAddressException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public InvalidAddressException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code local@domain} (no angle brackets, no source route).
     * When {@code utf8} is false, non-ASCII in the local part is refused (RFC 6531 needs SMTPUTF8).
     */
    public static Address parse(String text, boolean utf8) {
        if (text == null || text.isEmpty()) {
            throw new InvalidAddressException("empty address");
        }
        if (text.length() > 254 + 2) {
            throw new InvalidAddressException("address too long");
        }
        int at;
        boolean quoted = false;
        String local;
        if (text.charAt(0) == '"') {
            // Quoted-string: scan to the closing quote honouring backslash escapes (RFC 5321 4.1.2).
            int i = 1;
            StringBuilder sb = new StringBuilder();
            boolean closed = false;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '\\') {
                    if (i + 1 >= text.length()) {
                        throw new InvalidAddressException("bad quoted local part");
                    }
                    char n = text.charAt(i + 1);
                    if (n < 32 || n > 126) {
                        throw new InvalidAddressException("bad quoted local part");
                    }
                    sb.append(n);
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    closed = true;
                    i++;
                    break;
                }
                if (c < 32 || c == 127 || (c > 127 && !utf8)) {
                    throw new InvalidAddressException("bad character in quoted local part");
                }
                sb.append(c);
                i++;
            }
            if (!closed || i >= text.length() || text.charAt(i) != '@') {
                throw new InvalidAddressException("bad quoted local part");
            }
            at = i;
            local = sb.toString();
            quoted = true;
        } else {
            at = text.lastIndexOf('@');
            if (at <= 0) {
                throw new InvalidAddressException(at == 0 ? "empty local part" : "missing domain");
            }
            local = text.substring(0, at);
            checkDotString(local, utf8);
        }
        if (local.length() > 64) {
            throw new InvalidAddressException("local part longer than 64 octets");
        }
        String dom = text.substring(at + 1);
        if (dom.isEmpty()) {
            throw new InvalidAddressException("missing domain");
        }
        if (dom.charAt(0) == '[') {
            if (!dom.endsWith("]") || !validLiteral(dom.substring(1, dom.length() - 1))) {
                throw new InvalidAddressException("bad address literal");
            }
            return new Address(local, dom.toLowerCase(Locale.ROOT), dom.toLowerCase(Locale.ROOT), quoted);
        }
        String ascii = normaliseDomain(dom);
        String unicode = ascii;
        if (ascii.startsWith("xn--") || ascii.contains(".xn--")) { // only A-labels have a U-form
            try {
                unicode = IDN.toUnicode(ascii, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                unicode = ascii;
            }
        }
        return new Address(local, ascii, unicode, quoted);
    }

    public static Address parse(String text) {
        return parse(text, true);
    }

    /**
     * Domain to its canonical ASCII lower-case form (IDNA A-labels); validates RFC 5321 syntax.
     */
    public static String normaliseDomain(String dom) {
        String d = dom.endsWith(".") ? dom.substring(0, dom.length() - 1) : dom;
        if (d.isEmpty()) {
            throw new InvalidAddressException("empty domain");
        }
        String ascii;
        if (d.chars().allMatch(c -> c < 0x80)) {
            ascii = d; // nothing for IDNA to convert (A-labels stay as they are); the checks below apply
        } else {
            try {
                ascii = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                throw new InvalidAddressException("bad domain: " + Texts.safe(dom, 80));
            }
        }
        ascii = ascii.toLowerCase(Locale.ROOT);
        if (ascii.length() > 253) {
            throw new InvalidAddressException("domain too long");
        }
        for (String label : ascii.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new InvalidAddressException("bad domain: " + Texts.safe(dom, 80));
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!ok || ((i == 0 || i == label.length() - 1) && c == '-')) {
                    throw new InvalidAddressException("bad domain: " + Texts.safe(dom, 80));
                }
            }
        }
        return ascii;
    }

    private static void checkDotString(String local, boolean utf8) {
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw new InvalidAddressException("bad dots in local part");
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '.') {
                continue;
            }
            if (c > 127) {
                if (!utf8) {
                    throw new InvalidAddressException("non-ASCII local part needs SMTPUTF8");
                }
                if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                    throw new InvalidAddressException("bad character in local part");
                }
                continue;
            }
            if (!isAtext(c)) {
                throw new InvalidAddressException("bad character in local part");
            }
        }
    }

    /** RFC 5322 atext. */
    public static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    private static boolean validLiteral(String lit) {
        if (lit.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = lit.substring(5);
            return !v6.isEmpty() && v6.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == ':' || ch == '.');
        }
        String[] p = lit.split("\\.", -1);
        if (p.length != 4) {
            return false;
        }
        for (String s : p) {
            if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit) || Integer.parseInt(s) > 255) {
                return false;
            }
        }
        return true;
    }

    public String localPart() {
        return local;
    }

    /** ASCII lower-case domain (or address literal). */
    public String domain() {
        return domain;
    }

    public String unicodeDomain() {
        return unicodeDomain;
    }

    public boolean isQuoted() {
        return quoted;
    }

    /** Lookup key: lower-cased local part @ ASCII domain. */
    public String key() {
        return local.toLowerCase(Locale.ROOT) + "@" + domain;
    }

    /** The same address with another local part (e.g. without a "+extension"). */
    public Address withLocalPart(String newLocal) {
        return new Address(newLocal, domain, unicodeDomain, quoted);
    }

    /** True when the local part or domain holds non-ASCII (needs SMTPUTF8 to send on). */
    public boolean needsUtf8() {
        return !local.chars().allMatch(c -> c < 128);
    }

    /** Wire form: quoted local part when needed. */
    @Override
    public String toString() {
        if (!quoted) {
            return local + "@" + domain;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : local.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append("\"@").append(domain).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && a.key().equals(key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }
}
