package org.postern.smtp.policy;

import java.util.ArrayList;
import java.util.List;
import org.postern.core.EnhancedStatus;
import org.postern.core.Reply;
import org.postern.core.Texts;
import org.postern.smtp.policy.SmtpPolicy.Facts;
import org.postern.smtp.policy.SmtpPolicy.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one policy evaluation (one SMTP command): Postfix's defer_if_permit /
 * defer_if_reject / warn_if_reject flags, the side effects of access-table actions (DISCARD,
 * HOLD, PREPEND), and the final reply.
 */
final class Eval {
    static final Logger LOG = LoggerFactory.getLogger("smtpd");

    enum Status { DUNNO, OK, REJECT }

    /** Where a restriction list runs: the names used in "&lt;name&gt;: Class rejected: ..." replies. */
    record ListContext(String replyName, String replyClass, RestrictionPolicy.AccessKind defaultAcl) {
    }

    /** Aborts the whole evaluation with a reply (lookup failures, configuration errors), like Postfix's longjmp. */
    static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Reply reply;

        Abort(Reply reply, String detail) {
            super(detail, null, false, false);
            this.reply = reply;
        }
    }

    final Facts facts;
    final Stage stage;
    /** MAIL FROM and RCPT TO in Postfix's internal form (quotes of the local part removed), or null. */
    final String sender;
    final String recipient;
    final String where;
    Reply deferIfPermit;
    String deferIfPermitBy;
    Reply deferIfReject;
    int warnIfReject;
    int recursion;
    boolean discard;
    boolean hold;
    final List<String> prepend = new ArrayList<>();
    Reply reply;
    String rejectedBy;
    String current = "";
    boolean recipientMapChecked;
    boolean senderMapChecked;

    Eval(Facts facts, Stage stage) {
        this.facts = facts;
        this.stage = stage;
        this.sender = internal(facts.sender());
        this.recipient = internal(facts.recipient());
        this.where = switch (stage) {
            case CONNECT -> "CONNECT";
            case HELO -> "ESMTP".equalsIgnoreCase(facts.protocol()) ? "EHLO" : "HELO";
            case MAIL -> "MAIL";
            case RCPT -> "RCPT";
            case DATA -> "DATA";
            case END_OF_DATA -> "END-OF-MESSAGE";
        };
    }

    /** {@code "a b"@example.org} becomes {@code a b@example.org}, as Postfix shows and looks up addresses. */
    static String internal(String addr) {
        if (addr == null || !addr.startsWith("\"")) {
            return addr;
        }
        StringBuilder sb = new StringBuilder();
        int i = 1;
        while (i < addr.length()) {
            char c = addr.charAt(i);
            if (c == '\\' && i + 1 < addr.length()) {
                sb.append(addr.charAt(i + 1));
                i += 2;
            } else if (c == '"') {
                return sb.append(addr, i + 1, addr.length()).toString();
            } else {
                sb.append(c);
                i++;
            }
        }
        return addr; // unbalanced quote: leave it as given
    }

    /** Postfix's SMTPD_CHECK_RESET between the per-stage lists. */
    void reset() {
        recursion = 0;
        warnIfReject = 0;
        deferIfReject = null;
    }

    /**
     * A reply with Postfix's rules: a code outside 4xx/5xx becomes "450 4.7.1 Service unavailable",
     * the enhanced code's class follows the reply code, the text is made safe and bounded.
     */
    static Reply reply(int code, String dsn, String text) {
        if (code < 400 || code > 599) {
            return Reply.of(450, "4.7.1", "Service unavailable");
        }
        EnhancedStatus es;
        try {
            es = EnhancedStatus.parse(dsn).withClass(code / 100);
        } catch (IllegalArgumentException e) {
            es = new EnhancedStatus(code / 100, 7, 1);
        }
        return new Reply(code, es, List.of(Texts.safe(text, 480)));
    }

    /** Splits an optional leading enhanced status code off a table/template text ("5.7.1 go away"). */
    static String[] dsnSplit(String defaultDsn, String text) {
        String t = text.strip();
        int sp = t.indexOf(' ');
        String first = sp < 0 ? t : t.substring(0, sp);
        if (EnhancedStatus.looksLike(first)) {
            try {
                EnhancedStatus.parse(first);
                return new String[] {first, sp < 0 ? "" : t.substring(sp + 1).strip()};
            } catch (IllegalArgumentException e) {
                // not a usable code: keep it as text
            }
        }
        return new String[] {defaultDsn, t};
    }

    /** smtpd_check_reject: honours warn_if_reject and defer_if_reject. */
    Status reject(int code, String dsn, String text) {
        Reply r = reply(code, dsn, text);
        if (warnIfReject > 0) {
            log("reject_warning", r.oneLine());
            return Status.DUNNO;
        }
        if (deferIfReject != null && r.code() >= 500) {
            r = deferIfReject;
            deferIfReject = null;
        }
        reply = r;
        rejectedBy = current;
        return Status.REJECT;
    }

    /** A rejection that warn_if_reject cannot soften (configuration and lookup problems). */
    Status rejectHard(Reply r) {
        reply = r;
        rejectedBy = current;
        return Status.REJECT;
    }

    void deferIfPermit(int code, String dsn, String text) {
        if (deferIfPermit == null) {
            deferIfPermit = reply(code, dsn, text);
            deferIfPermitBy = current;
        }
    }

    void deferIfReject(int code, String dsn, String text) {
        if (deferIfReject == null) {
            deferIfReject = reply(code, dsn, text);
        }
    }

    String clientNamaddr() {
        String name = facts.clientName() == null ? ClientIdentity.UNKNOWN : facts.clientName();
        return name + "[" + clientAddr() + "]";
    }

    String clientAddr() {
        return facts.clientIp() == null ? "" : Hostnames.text(facts.clientIp());
    }

    /** One Postfix-style line: "NOQUEUE: what: RCPT from host[ip]: text; from=<s> to=<r> proto=ESMTP helo=<h>". */
    void log(String what, String text) {
        StringBuilder sb = new StringBuilder("NOQUEUE: ").append(what).append(": ").append(where).append(" from ")
                .append(Texts.safe(clientNamaddr())).append(": ").append(Texts.safe(text)).append(';');
        if (sender != null) {
            sb.append(" from=<").append(Texts.safe(sender)).append('>');
        }
        if (recipient != null) {
            sb.append(" to=<").append(Texts.safe(recipient)).append('>');
        }
        if (facts.protocol() != null) {
            sb.append(" proto=").append(Texts.safe(facts.protocol()));
        }
        if (facts.helo() != null) {
            sb.append(" helo=<").append(Texts.safe(facts.helo())).append('>');
        }
        LOG.info("{}", sb);
    }
}
