package org.postern.store;

import java.nio.file.Path;
import java.util.Locale;
import org.postern.core.Address;

/**
 * The mailbox home template, Dovecot style: {@code %d} domain, {@code %n} local part (user
 * name), {@code %u} the full address, {@code %%} a percent sign; {@code %Ld}, {@code %Ln},
 * {@code %Lu} are accepted as synonyms. Values are always lower-cased (our mailboxes are
 * case-insensitive, like Dovecot's default {@code auth_username_format = %Lu}), so
 * {@code Bob@x} and {@code bob@x} share one Maildir.
 *
 * <p>Path safety: an expanded value can never add a path component of its own. Every value is
 * encoded injectively: {@code %} becomes {@code %25}, {@code /} becomes {@code %2F}, control
 * characters become {@code %XX}, and a leading dot becomes {@code %2E} (so no value is ever
 * {@code .}, {@code ..}, hidden, or looks like a Maildir++ folder). After expansion the home must
 * lie strictly inside the mail root (the fixed part of the template before its first variable);
 * anything else is refused.
 */
public final class HomeTemplate {
    private final Path base;
    private final String template;
    private final Path root;

    /**
     * @param base     the directory relative templates are resolved against (the data directory)
     * @param template e.g. {@code mail/%d/%n}; absolute templates ignore {@code base}
     */
    public HomeTemplate(Path base, String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("mail_home template is empty");
        }
        int first = template.indexOf('%');
        if (first < 0) {
            throw new IllegalArgumentException("mail_home template '" + template + "' has no %d, %n or %u: every mailbox would share one Maildir");
        }
        validate(template);
        this.base = base.toAbsolutePath().normalize();
        this.template = template;
        String fixed = template.substring(0, first);
        int slash = fixed.lastIndexOf('/');
        String rootText = slash < 0 ? "" : fixed.substring(0, slash);
        Path r = rootText.isEmpty() ? (template.startsWith("/") ? Path.of("/") : this.base) : this.base.resolve(rootText);
        this.root = r.normalize();
    }

    private static void validate(String t) {
        boolean variable = false;
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) != '%') {
                continue;
            }
            if (i + 1 >= t.length()) {
                throw new IllegalArgumentException("mail_home template '" + t + "' ends with a lone %");
            }
            char c = t.charAt(++i);
            if (c == 'L' && i + 1 < t.length()) {
                c = t.charAt(++i);
            }
            switch (c) {
                case 'd', 'n', 'u' -> variable = true;
                case '%' -> {
                }
                default -> throw new IllegalArgumentException("mail_home template '" + t + "': unknown variable %" + c + " (use %d, %n, %u)");
            }
        }
        if (!variable) {
            throw new IllegalArgumentException("mail_home template '" + t + "' has no %d, %n or %u");
        }
        for (String part : t.split("/")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("mail_home template '" + t + "' must not contain '..'");
            }
        }
    }

    /** The directory every home lies under (the fixed prefix of the template). */
    public Path root() {
        return root;
    }

    public String template() {
        return template;
    }

    /**
     * The home (the Maildir itself) of a mailbox.
     *
     * @throws IllegalArgumentException when the expansion would leave the mail root (cannot
     *                                  happen with the encoding, checked anyway)
     */
    public Path home(Address mailbox) {
        String local = mailbox.localPart().toLowerCase(Locale.ROOT);
        String domain = mailbox.domain().toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            char v = template.charAt(++i);
            if (v == 'L') {
                v = template.charAt(++i);
            }
            switch (v) {
                case 'd' -> sb.append(encode(domain));
                case 'n' -> sb.append(encode(local));
                case 'u' -> sb.append(encode(local + "@" + domain));
                default -> sb.append('%');
            }
        }
        Path home = base.resolve(sb.toString()).normalize();
        if (!home.startsWith(root) || home.equals(root)) {
            throw new IllegalArgumentException("mailbox home for " + mailbox.key() + " would leave the mail root");
        }
        for (Path part : root.relativize(home)) {
            String p = part.toString();
            if (p.isEmpty() || p.equals(".") || p.equals("..")) {
                throw new IllegalArgumentException("mailbox home for " + mailbox.key() + " has an unsafe component");
            }
        }
        return home;
    }

    /** Injective encoding of one value so it stays inside one path component. */
    static String encode(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean escape = c == '%' || c == '/' || c == '\\' || c < 0x20 || c == 0x7f || (i == 0 && c == '.');
            if (escape) {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
