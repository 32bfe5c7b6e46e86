package org.postern.codec.smtp;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.postern.core.Address;
import org.postern.core.Envelope;

/**
 * Parses the arguments of MAIL and RCPT: the path in angle brackets (null path, source routes)
 * and the ESMTP parameters. Unknown or malformed parameters are errors (555 / 501 with enhanced
 * status codes), never silently ignored. Whether an extension is enabled is the session's
 * business; this class checks syntax only.
 */
public final class SmtpArguments {
    private SmtpArguments() {
    }

    /** RFC 3461 §4.4: ENVID at most 100 characters. */
    public static final int MAX_ENVID = 100;
    /** RFC 3461 §4.2: ORCPT address at most 500 characters. */
    public static final int MAX_ORCPT = 500;

    /** A keyword=value pair from the parameter list. */
    public record Param(String keyword, String value) {
        @Override
        public String toString() {
            return value == null ? keyword : keyword + "=" + value;
        }
    }

    /**
     * Parses the argument of MAIL (everything after "MAIL ").
     *
     * @param utf8Enabled the server offers SMTPUTF8; when the client asks for it, the address may hold UTF-8
     */
    public static MailFrom parseMail(String arg, boolean utf8Enabled) throws SmtpSyntaxException {
        String rest = afterKeyword(arg, "FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>");
        Path p = path(rest, "501 5.5.4 Syntax: MAIL FROM:<address>");
        List<Param> params = params(rest.substring(p.end()));
        Long size = null;
        String body = null;
        boolean utf8 = false;
        String ret = null;
        String envid = null;
        String auth = null;
        Set<String> seen = new HashSet<>();
        for (Param prm : params) {
            String k = prm.keyword();
            if (!seen.add(k)) {
                throw err("501 5.5.4 Duplicate parameter: " + k);
            }
            switch (k) {
                case "SIZE" -> size = parseSize(prm);
                case "BODY" -> {
                    String v = prm.value() == null ? "" : prm.value().toUpperCase(Locale.ROOT);
                    if (!v.equals("7BIT") && !v.equals("8BITMIME") && !v.equals("BINARYMIME")) {
                        throw err("501 5.5.4 Unsupported BODY parameter value: " + safeParam(prm));
                    }
                    body = v;
                }
                case "SMTPUTF8" -> {
                    if (prm.value() != null) {
                        throw err("501 5.5.4 Bad SMTPUTF8 parameter syntax");
                    }
                    utf8 = true;
                }
                case "RET" -> {
                    String v = prm.value() == null ? "" : prm.value().toUpperCase(Locale.ROOT);
                    if (!v.equals("FULL") && !v.equals("HDRS")) {
                        throw err("501 5.5.4 Bad RET parameter syntax");
                    }
                    ret = v;
                }
                case "ENVID" -> {
                    envid = xtext(prm, "501 5.5.4 Bad ENVID parameter syntax");
                    if (envid.length() > MAX_ENVID || envid.isEmpty()) {
                        throw err("501 5.5.4 Bad ENVID parameter syntax");
                    }
                }
                case "AUTH" -> auth = xtext(prm, "501 5.5.4 Bad AUTH parameter syntax");
                default -> throw err("555 5.5.4 Unsupported option: " + safeParam(prm));
            }
        }
        Address sender = null;
        if (!p.mailbox().isEmpty()) {
            try {
                sender = Address.parse(p.mailbox(), utf8 && utf8Enabled);
            } catch (Address.InvalidAddressException e) {
                throw err("501 5.1.7 Bad sender address syntax");
            }
        }
        return new MailFrom(sender, size, body, utf8, ret, envid, auth);
    }

    /**
     * Parses the argument of RCPT (everything after "RCPT ").
     *
     * @param utf8          the transaction uses SMTPUTF8 (the address may hold UTF-8)
     * @param defaultDomain domain for the bare {@code <Postmaster>} form (RFC 5321 §4.1.1.3)
     */
    public static RcptTo parseRcpt(String arg, boolean utf8, String defaultDomain) throws SmtpSyntaxException {
        String rest = afterKeyword(arg, "TO:", "501 5.5.4 Syntax: RCPT TO:<address>");
        Path p = path(rest, "501 5.5.4 Syntax: RCPT TO:<address>");
        if (p.mailbox().isEmpty()) {
            throw err("501 5.1.3 Bad recipient address syntax");
        }
        List<Param> params = params(rest.substring(p.end()));
        Set<Envelope.Notify> notify = EnumSet.noneOf(Envelope.Notify.class);
        String orcpt = null;
        Set<String> seen = new HashSet<>();
        for (Param prm : params) {
            String k = prm.keyword();
            if (!seen.add(k)) {
                throw err("501 5.5.4 Duplicate parameter: " + k);
            }
            switch (k) {
                case "NOTIFY" -> notify = parseNotify(prm);
                case "ORCPT" -> orcpt = parseOrcpt(prm);
                default -> throw err("555 5.5.4 Unsupported option: " + safeParam(prm));
            }
        }
        String mbox = p.mailbox();
        Address rcpt;
        try {
            if (mbox.equalsIgnoreCase("postmaster") && defaultDomain != null) {
                rcpt = Address.parse("postmaster@" + defaultDomain, false);
            } else {
                rcpt = Address.parse(mbox, utf8);
            }
        } catch (Address.InvalidAddressException e) {
            throw err("501 5.1.3 Bad recipient address syntax");
        }
        return new RcptTo(rcpt, notify, orcpt);
    }

    /** The mailbox between the brackets ("" for {@code <>}) and where the path ended in the text. */
    record Path(String mailbox, int end) {
    }

    private static String afterKeyword(String arg, String keyword, String syntax) throws SmtpSyntaxException {
        if (!arg.regionMatches(true, 0, keyword, 0, keyword.length())) {
            throw err(syntax);
        }
        int i = keyword.length();
        // Postfix accepts "MAIL FROM: <a@b>" (a space after the colon) from broken clients; so do we.
        while (i < arg.length() && arg.charAt(i) == ' ') {
            i++;
        }
        return arg.substring(i);
    }

    /**
     * Reads {@code <[@route,@route:]mailbox>}; a path without brackets (a single word) is accepted as
     * Postfix does in its default (non-strict) mode. Source routes are checked and dropped
     * (RFC 5321 §4.1.1.3 and appendix C: servers SHOULD ignore them).
     */
    static Path path(String s, String syntax) throws SmtpSyntaxException {
        if (s.isEmpty()) {
            throw err(syntax);
        }
        if (s.charAt(0) != '<') {
            int sp = s.indexOf(' ');
            String word = sp < 0 ? s : s.substring(0, sp);
            if (word.indexOf('<') >= 0 || word.indexOf('>') >= 0) {
                throw err(syntax);
            }
            return new Path(word, sp < 0 ? s.length() : sp);
        }
        int i = 1;
        if (i < s.length() && s.charAt(i) == '@') {
            int colon = s.indexOf(':', i);
            if (colon < 0) {
                throw err(syntax);
            }
            for (String hop : s.substring(i, colon).split(",", -1)) {
                if (hop.length() < 2 || hop.charAt(0) != '@') {
                    throw err(syntax);
                }
                try {
                    String d = hop.substring(1);
                    if (!(d.startsWith("[") && d.endsWith("]"))) {
                        Address.normaliseDomain(d);
                    }
                } catch (Address.InvalidAddressException e) {
                    throw err(syntax);
                }
            }
            i = colon + 1;
        }
        int start = i;
        boolean quoted = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '>') {
                break;
            } else if (!quoted && (c == '<' || c == ' ')) {
                throw err(syntax);
            }
            i++;
        }
        if (i >= s.length()) {
            throw err(syntax);
        }
        int end = i + 1;
        if (end < s.length() && s.charAt(end) != ' ') {
            throw err(syntax);
        }
        return new Path(s.substring(start, i), end);
    }

    /** Splits {@code " KEY=value KEY2"}; keywords upper-cased; RFC 5321 §4.1.2 esmtp-keyword/value syntax. */
    static List<Param> params(String s) throws SmtpSyntaxException {
        List<Param> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            while (i < n && s.charAt(i) != ' ') {
                i++;
            }
            String word = s.substring(start, i);
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            String val = eq < 0 ? null : word.substring(eq + 1);
            if (!validKeyword(key) || (val != null && !validValue(val))) {
                throw err("501 5.5.4 Bad parameter syntax: " + org.postern.core.Texts.safe(word, 64));
            }
            out.add(new Param(key.toUpperCase(Locale.ROOT), val));
        }
        return out;
    }

    private static boolean validKeyword(String k) {
        if (k.isEmpty() || !isAlnum(k.charAt(0))) {
            return false;
        }
        for (int i = 1; i < k.length(); i++) {
            char c = k.charAt(i);
            if (!isAlnum(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean validValue(String v) {
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 per RFC 6531 §3.3
            if (c < 33 || c == '=' || c == 127 || (c >= 0x80 && c < 0xa0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static Long parseSize(Param prm) throws SmtpSyntaxException {
        String v = prm.value();
        if (v == null || v.isEmpty()) {
            throw err("501 5.5.4 Bad message size syntax");
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                throw err("501 5.5.4 Bad message size syntax");
            }
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // more digits than a long: certainly too big
        }
    }

    private static Set<Envelope.Notify> parseNotify(Param prm) throws SmtpSyntaxException {
        if (prm.value() == null) {
            throw err("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        }
        Set<Envelope.Notify> out = EnumSet.noneOf(Envelope.Notify.class);
        for (String w : prm.value().split(",", -1)) {
            Envelope.Notify nv = switch (w.toUpperCase(Locale.ROOT)) {
                case "NEVER" -> Envelope.Notify.NEVER;
                case "SUCCESS" -> Envelope.Notify.SUCCESS;
                case "FAILURE" -> Envelope.Notify.FAILURE;
                case "DELAY" -> Envelope.Notify.DELAY;
                default -> throw err("501 5.5.4 Error: Bad NOTIFY parameter syntax");
            };
            if (!out.add(nv)) {
                throw err("501 5.5.4 Error: Bad NOTIFY parameter syntax");
            }
        }
        // RFC 3461 §4.1: NEVER must appear alone.
        if (out.contains(Envelope.Notify.NEVER) && out.size() > 1) {
            throw err("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        }
        return out;
    }

    private static String parseOrcpt(Param prm) throws SmtpSyntaxException {
        String v = prm.value();
        int semi = v == null ? -1 : v.indexOf(';');
        if (semi <= 0 || semi == v.length() - 1) {
            throw err("501 5.5.4 Error: Bad ORCPT parameter syntax");
        }
        String type = v.substring(0, semi);
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (!isAlnum(c) && c != '-') {
                throw err("501 5.5.4 Error: Bad ORCPT parameter syntax");
            }
        }
        String addr;
        try {
            addr = Xtext.decode(v.substring(semi + 1));
        } catch (IllegalArgumentException e) {
            throw err("501 5.5.4 Error: Bad ORCPT parameter syntax");
        }
        if (addr.length() > MAX_ORCPT || !printable(addr)) {
            throw err("501 5.5.4 Error: Bad ORCPT parameter syntax");
        }
        return type.toLowerCase(Locale.ROOT) + ";" + addr;
    }

    private static String xtext(Param prm, String syntax) throws SmtpSyntaxException {
        if (prm.value() == null) {
            throw err(syntax);
        }
        try {
            String d = Xtext.decode(prm.value());
            if (!printable(d)) {
                throw err(syntax);
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw err(syntax);
        }
    }

    /** No control characters after decoding: these values end up in queue files and DSNs. */
    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 32 || c == 127) {
                return false;
            }
        }
        return true;
    }

    private static String safeParam(Param p) {
        return org.postern.core.Texts.safe(p.toString(), 64);
    }

    private static SmtpSyntaxException err(String replyText) {
        org.postern.core.Reply r = org.postern.core.Reply.parseActionText(replyText);
        return new SmtpSyntaxException(r);
    }
}
