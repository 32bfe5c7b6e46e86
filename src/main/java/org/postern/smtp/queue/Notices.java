package org.postern.smtp.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.core.Reply;
import org.postern.core.Texts;

/**
 * Composes delivery status notifications (RFC 3464) as multipart/report messages (RFC 6522,
 * formerly 3462), worded like Postfix's bounce(8) templates: non-delivery, delay warnings,
 * success notices and postmaster copies.
 */
final class Notices {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (z)", Locale.ROOT);

    /** What kind of notice; decides wording, Action and what part of the original is returned. */
    enum Kind {
        /** To the sender: some recipients failed permanently (or the message expired). */
        FAILURE("Undelivered Mail Returned to Sender", "failed"),
        /** To the sender: still trying (delay_warning_time). */
        DELAY("Delayed Mail (still being retried)", "delayed"),
        /** To the sender: NOTIFY=SUCCESS, or confirm_delay_cleared. */
        SUCCESS("Successful Mail Delivery Report", "delivered"),
        /** To the postmaster: copy of a bounce (notify_classes=bounce), headers only. */
        POSTMASTER_BOUNCE("Postmaster Copy: Undelivered Mail", "failed"),
        /** To the postmaster: a bounce that could not be delivered (notify_classes=2bounce), whole. */
        DOUBLE_BOUNCE("Postmaster Copy: Undelivered Mail", "failed"),
        /** To the postmaster: copy of a delay warning (notify_classes=delay). */
        POSTMASTER_DELAY("Postmaster Warning: Delayed Mail", "delayed"),
        /** To the postmaster: a software or resource error during delivery (notify_classes). */
        POSTMASTER_ERROR("Postmaster Warning: Delivery Problem", "delayed");

        final String subject;
        final String action;

        Kind(String subject, String action) {
            this.subject = subject;
            this.action = action;
        }

        boolean toPostmaster() {
            return this != FAILURE && this != DELAY && this != SUCCESS;
        }
    }

    /** One recipient line of the report. */
    record Report(Envelope.Recipient recipient, String action, Reply reply, String detail, boolean remoteDiagnostic) {
    }

    private final QueueConfig cfg;

    Notices(QueueConfig cfg) {
        this.cfg = cfg;
    }

    /** Writes the whole notice message (headers and body, CRLF) for {@code m} to {@code out}. */
    void write(OutputStream out, String newId, Kind kind, QueuedMessage m, List<Report> reports, Address to, Instant now)
            throws IOException {
        String boundary = newId + "." + now.getEpochSecond() + "/" + cfg.myhostname();
        StringBuilder h = new StringBuilder(2048);
        line(h, "Date: " + DATE.format(now.atZone(ZoneId.systemDefault())));
        line(h, "From: " + cfg.mailerDaemon() + " (Mail Delivery System)");
        line(h, "Subject: " + kind.subject);
        line(h, "To: " + to);
        line(h, "Auto-Submitted: auto-replied");
        line(h, "MIME-Version: 1.0");
        line(h, "Content-Type: multipart/report; report-type=delivery-status;");
        line(h, "\tboundary=\"" + boundary + "\"");
        line(h, "Content-Transfer-Encoding: 8bit");
        line(h, "Message-Id: <" + newId + "." + now.getEpochSecond() + "@" + cfg.myhostname() + ">");
        line(h, "");
        line(h, "This is a MIME-encapsulated message.");
        line(h, "");
        line(h, "--" + boundary);
        line(h, "Content-Description: Notification");
        line(h, "Content-Type: text/plain; charset=utf-8");
        line(h, "Content-Transfer-Encoding: 8bit");
        line(h, "");
        humanText(h, kind, m, reports, now);
        line(h, "");
        line(h, "--" + boundary);
        line(h, "Content-Description: Delivery report");
        // RFC 6533: an internationalized (SMTPUTF8) message gets the "global" report types, whose
        // fields and returned headers may carry UTF-8.
        boolean global = m.envelope.smtputf8();
        line(h, "Content-Type: " + (global ? "message/global-delivery-status" : "message/delivery-status"));
        line(h, "");
        deliveryStatus(h, m, reports, now);
        line(h, "--" + boundary);
        out.write(h.toString().getBytes(StandardCharsets.UTF_8));

        boolean whole = returnsWholeMessage(kind, m);
        StringBuilder p = new StringBuilder(256);
        line(p, "Content-Description: " + (whole ? "Undelivered Message" : kind == Kind.FAILURE || kind == Kind.DOUBLE_BOUNCE
                || kind == Kind.POSTMASTER_BOUNCE ? "Undelivered Message Headers" : "Message Headers"));
        line(p, "Content-Type: " + (whole ? (global ? "message/global" : "message/rfc822")
                : (global ? "message/global-headers" : "text/rfc822-headers")));
        line(p, "Content-Transfer-Encoding: 8bit");
        line(p, "");
        out.write(p.toString().getBytes(StandardCharsets.UTF_8));
        try (InputStream in = new BufferedInputStream(m.body().open(), 65536)) {
            if (whole) {
                boolean lastCrlf = copyAll(in, out);
                if (!lastCrlf) {
                    out.write(CRLF);
                }
            } else {
                copyHeaders(in, out);
            }
        }
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /** RFC 3461 RET: HDRS returns headers only; FULL or absent returns the message up to bounce_size_limit. */
    boolean returnsWholeMessage(Kind kind, QueuedMessage m) {
        if (kind != Kind.FAILURE && kind != Kind.DOUBLE_BOUNCE) {
            return false;
        }
        if ("HDRS".equalsIgnoreCase(m.envelope.dsnRet())) {
            return false;
        }
        return m.bodyLength <= cfg.bounceSizeLimit();
    }

    private void humanText(StringBuilder h, Kind kind, QueuedMessage m, List<Report> reports, Instant now) {
        line(h, "This is the mail system at host " + cfg.myhostname() + ".");
        line(h, "");
        switch (kind) {
            case FAILURE, POSTMASTER_BOUNCE, DOUBLE_BOUNCE -> {
                line(h, "I'm sorry to have to inform you that your message could not");
                line(h, "be delivered to one or more recipients. It's attached below.");
                line(h, "");
                line(h, "For further assistance, please send mail to postmaster.");
                line(h, "");
                line(h, "If you do so, please include this problem report. You can");
                line(h, "delete your own text from the attached returned message.");
            }
            case DELAY, POSTMASTER_DELAY -> {
                line(h, "####################################################################");
                line(h, "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #");
                line(h, "####################################################################");
                line(h, "");
                Duration age = Duration.between(m.envelope.arrival(), now);
                line(h, "Your message could not be delivered for more than " + human(age) + ".");
                line(h, "It will be retried until it is " + human(lifetime(m)) + " old.");
                line(h, "");
                line(h, "For further assistance, please send mail to postmaster.");
                line(h, "");
                line(h, "If you do so, please include this problem report. You can");
                line(h, "delete your own text from the attached returned message.");
            }
            case SUCCESS -> {
                line(h, "Your message was successfully delivered to the destination(s)");
                line(h, "listed below. If the message was delivered to mailbox you will");
                line(h, "receive no further notifications. Otherwise you may still receive");
                line(h, "notifications of mail delivery errors from other systems.");
            }
            case POSTMASTER_ERROR -> {
                line(h, "A delivery attempt of the message below met a problem in the mail");
                line(h, "system itself (software or resources). The message stays queued and");
                line(h, "will be retried. Please check the mail log for queue id " + m.id + ".");
            }
        }
        line(h, "");
        line(h, "                   The mail system");
        line(h, "");
        for (Report r : reports) {
            String text = r.detail() != null ? r.detail() : r.reply() == null ? r.action() : r.reply().oneLine();
            line(h, "<" + r.recipient().address() + ">: " + Texts.safe(text, 900));
        }
    }

    Duration lifetime(QueuedMessage m) {
        // Bounces and postmaster notices (from the double-bounce address) live bounce_queue_lifetime.
        Address s = m.envelope.sender();
        return s == null || s.equals(cfg.doubleBounceAddress()) ? cfg.bounceQueueLifetime() : cfg.maximalQueueLifetime();
    }

    private void deliveryStatus(StringBuilder h, QueuedMessage m, List<Report> reports, Instant now) {
        // RFC 3464 2.2: per-message fields, then one block per recipient, blocks separated by blank lines.
        line(h, "Reporting-MTA: dns; " + cfg.myhostname());
        line(h, "X-Postern-Queue-ID: " + m.id);
        line(h, "X-Postern-Sender: rfc822; " + (m.envelope.sender() == null ? "" : m.envelope.sender().toString()));
        line(h, "Arrival-Date: " + DATE.format(m.envelope.arrival().atZone(ZoneId.systemDefault())));
        if (m.envelope.dsnEnvid() != null) {
            line(h, "Original-Envelope-Id: " + Texts.safe(m.envelope.dsnEnvid(), 100));
        }
        for (Report r : reports) {
            line(h, "");
            line(h, "Final-Recipient: rfc822; " + r.recipient().address());
            String orcpt = r.recipient().orcpt();
            if (orcpt != null && !orcpt.isBlank()) {
                String o = Texts.safe(orcpt, 500);
                line(h, "Original-Recipient: " + (o.indexOf(';') > 0 ? o : "rfc822;" + o));
            }
            line(h, "Action: " + r.action());
            line(h, "Status: " + status(r));
            if (r.reply() != null) {
                String diag = r.remoteDiagnostic() ? "smtp; " + Texts.safe(r.reply().oneLine(), 900)
                        : "X-Postern; " + Texts.safe(r.detail() != null ? r.detail() : r.reply().oneLine(), 900);
                line(h, "Diagnostic-Code: " + diag);
            }
            if (r.action().equals("delayed")) {
                line(h, "Will-Retry-Until: " + DATE.format(m.envelope.arrival().plus(lifetime(m)).atZone(ZoneId.systemDefault())));
            }
        }
        line(h, "");
    }

    /** The RFC 3463 status for a report: the reply's enhanced code, else one derived from the action. */
    static String status(Report r) {
        if (r.reply() != null && r.reply().status() != null) {
            var s = r.reply().status();
            // An expired recipient failed with its last temporary status (class 4), as Postfix reports.
            return s.toString();
        }
        return switch (r.action()) {
            case "failed" -> r.reply() != null && r.reply().isTransient() ? "4.0.0" : "5.0.0";
            case "delayed" -> "4.0.0";
            default -> "2.0.0";
        };
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 86400 && s % 86400 == 0) {
            return plural(s / 86400, "day");
        }
        if (s >= 3600) {
            return plural(s / 3600, "hour");
        }
        if (s >= 60) {
            return plural(s / 60, "minute");
        }
        return plural(s, "second");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s).append("\r\n");
    }

    /** Copies everything; returns whether it ended with CRLF. */
    private static boolean copyAll(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[65536];
        int n;
        int last1 = -1;
        int last2 = -1;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            if (n >= 2) {
                last2 = buf[n - 2];
                last1 = buf[n - 1];
            } else {
                last2 = last1;
                last1 = buf[0];
            }
        }
        return last2 == '\r' && last1 == '\n';
    }

    /** Copies the header block (up to and excluding the empty line), bounded by {@link Headers#LIMIT}. */
    static void copyHeaders(InputStream in, OutputStream out) throws IOException {
        int prev = -1;
        boolean lineStart = true;
        int copied = 0;
        int b;
        while ((b = in.read()) >= 0 && copied < Headers.LIMIT) {
            if (lineStart && (b == '\r' || b == '\n')) {
                break; // the empty line ending the header
            }
            out.write(b);
            copied++;
            lineStart = b == '\n';
            prev = b;
        }
        if (prev != '\n') {
            out.write(CRLF);
        }
    }
}
