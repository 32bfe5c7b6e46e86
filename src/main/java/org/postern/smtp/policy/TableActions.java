package org.postern.smtp.policy;

import java.util.List;
import java.util.Locale;
import org.postern.core.Reply;
import org.postern.core.Texts;
import org.postern.smtp.policy.Eval.ListContext;
import org.postern.smtp.policy.Eval.Status;
import org.postern.smtp.policy.RestrictionPolicy.AccessKind;

/**
 * What an access-table result (or a policy server's action) means, as in Postfix's access(5):
 * OK, RELAY, all-digits, REJECT [text], DEFER [text], NNN text, DUNNO, WARN text, HOLD [text],
 * DISCARD [text], DEFER_IF_PERMIT [text], DEFER_IF_REJECT [text], PREPEND header: value, or a
 * restriction list ("permit_mynetworks, reject"). FILTER, REDIRECT and BCC are refused when the
 * configuration loads: Postern's content filter runs in-process and it does not reroute mail from
 * an access table.
 */
final class TableActions {
    private TableActions() {
    }

    private static final int MAX_RECURSION = 100;

    /** Checks a result when the table loads; throws IllegalArgumentException with the problem. */
    static void validate(RestrictionPolicy p, String value) {
        String[] cmd = split(value);
        String word = cmd[0].toUpperCase(Locale.ROOT);
        if (word.indexOf('$') >= 0) {
            return; // decided by a regex substitution at lookup time
        }
        switch (word) {
            case "OK", "RELAY", "DUNNO", "REJECT", "DEFER", "WARN", "HOLD", "DISCARD", "DEFER_IF_PERMIT", "DEFER_IF_REJECT" -> {
                return;
            }
            case "PREPEND" -> {
                if (cmd[1].indexOf('$') < 0 && !isHeader(cmd[1])) {
                    throw new IllegalArgumentException("PREPEND needs \"header: text\", got \"" + cmd[1] + "\"");
                }
                return;
            }
            case "FILTER", "REDIRECT", "BCC" -> throw new IllegalArgumentException("action " + word
                    + " is not supported (Postern's content filter runs in-process and access tables do not reroute mail)");
            default -> {
            }
        }
        if (allDigits(value)) {
            return;
        }
        if (isCode(cmd[0])) {
            if (cmd[1].isEmpty()) {
                return; // Postfix reads a bare number as OK; allDigits covered it
            }
            return;
        }
        if (value.indexOf(':') >= 0) {
            throw new IllegalArgumentException("result \"" + value + "\" names a lookup table; access table results may not do that");
        }
        p.compileRhs(value);
    }

    static Status apply(RestrictionPolicy p, Eval ev, String table, String value, String replyName, String replyClass, AccessKind acl) {
        String[] cmd = split(value);
        String word = cmd[0].toUpperCase(Locale.ROOT);
        String text = cmd[1];
        boolean transaction = ev.stage != SmtpPolicy.Stage.CONNECT && ev.stage != SmtpPolicy.Stage.HELO;
        String prefix = "<" + replyName + ">: " + replyClass + " rejected: ";
        switch (word) {
            case "DUNNO" -> {
                return Status.DUNNO;
            }
            case "OK", "RELAY" -> {
                return Status.OK;
            }
            case "REJECT" -> {
                String[] d = Eval.dsnSplit("5.7.1", text);
                return ev.reject(p.codes.accessMap(), d[0], prefix + (d[1].isEmpty() ? "Access denied" : d[1]));
            }
            case "DEFER" -> {
                String[] d = Eval.dsnSplit("4.7.1", text);
                return ev.reject(p.codes.accessMapDefer(), d[0], prefix + (d[1].isEmpty() ? "Access denied" : d[1]));
            }
            case "DEFER_IF_PERMIT" -> {
                String[] d = Eval.dsnSplit("4.7.1", text);
                ev.deferIfPermit(450, d[0], prefix + (d[1].isEmpty() ? "Service unavailable" : d[1]));
                return Status.DUNNO;
            }
            case "DEFER_IF_REJECT" -> {
                String[] d = Eval.dsnSplit("4.7.1", text);
                ev.deferIfReject(450, d[0], prefix + (d[1].isEmpty() ? "Service unavailable" : d[1]));
                return Status.DUNNO;
            }
            case "WARN" -> {
                ev.log("warn", text);
                return Status.DUNNO;
            }
            case "HOLD" -> {
                if (transaction) {
                    ev.hold = true;
                    ev.log("hold", "<" + replyName + ">: " + replyClass + " " + (text.isEmpty() ? "triggers HOLD action" : text));
                }
                return Status.DUNNO;
            }
            case "DISCARD" -> {
                if (!transaction) {
                    return Status.DUNNO; // no mail transaction yet (smtpd_delay_reject = no): Postfix skips it too
                }
                ev.discard = true;
                ev.rejectedBy = table;
                ev.log("discard", "<" + replyName + ">: " + replyClass + " " + (text.isEmpty() ? "triggers DISCARD action" : text));
                return Status.OK;
            }
            case "PREPEND" -> {
                if (!isHeader(text)) {
                    Eval.LOG.warn("access table {} entry \"{}\" requires header: text", table, Texts.safe(value));
                } else if (transaction) {
                    ev.prepend.add(Texts.safe(text, 990));
                }
                return Status.DUNNO;
            }
            case "FILTER", "REDIRECT", "BCC" -> {
                Eval.LOG.warn("access table {}: action {} is not supported", table, word);
                throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), table + ": unsupported action " + word);
            }
            default -> {
            }
        }
        if (allDigits(value)) {
            return Status.OK;
        }
        if (isCode(cmd[0]) && !text.isEmpty()) {
            int code = Integer.parseInt(cmd[0]);
            String[] d = Eval.dsnSplit(cmd[0].charAt(0) + ".7.1", text);
            return ev.reject(code, d[0], prefix + (d[1].isEmpty() ? "Access denied" : d[1]));
        }
        if (value.indexOf(':') >= 0) {
            Eval.LOG.warn("access table {} has entry with lookup table: {}", table, Texts.safe(value));
            throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), table + ": lookup table in result");
        }
        if (ev.recursion > MAX_RECURSION) {
            Eval.LOG.warn("access table {} entry {} causes unreasonable recursion", table, Texts.safe(value));
            throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), table + ": recursion");
        }
        List<?> compiled;
        try {
            compiled = p.compileRhs(value);
        } catch (IllegalArgumentException e) {
            Eval.LOG.warn("access table {}: {}", table, Texts.safe(e.getMessage()));
            throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), table + ": " + e.getMessage());
        }
        if (compiled.isEmpty()) {
            return Status.OK;
        }
        return p.run(ev, p.compileRhs(value), new ListContext(replyName, replyClass, acl));
    }

    /** First word and the rest (trimmed). */
    private static String[] split(String value) {
        String v = value.strip();
        int sp = 0;
        while (sp < v.length() && !Character.isWhitespace(v.charAt(sp))) {
            sp++;
        }
        return new String[] {v.substring(0, sp), v.substring(sp).strip()};
    }

    private static boolean allDigits(String v) {
        String s = v.strip();
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static boolean isCode(String w) {
        return w.length() == 3 && (w.charAt(0) == '4' || w.charAt(0) == '5') && Character.isDigit(w.charAt(1)) && Character.isDigit(w.charAt(2));
    }

    /** "Name: value" with an RFC 5322 field name (printable ASCII except ':'). */
    static boolean isHeader(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            char c = text.charAt(i);
            if (c < 33 || c > 126) {
                return false;
            }
        }
        return text.chars().noneMatch(c -> c == '\r' || c == '\n');
    }
}
