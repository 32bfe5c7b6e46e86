package org.postern.core;

/**
 * An error with protocol meaning (after Maddy's exterrors): the reply the client sees,
 * the name of the check or component that produced it, whether it is temporary,
 * and a detail for the log only (never shown to clients).
 */
public class MailException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Reply reply;
    private final String check;
    private final String logDetail;

    public MailException(Reply reply, String check, String logDetail, Throwable cause) {
        super(reply.oneLine() + (logDetail == null ? "" : " (" + logDetail + ")"), cause);
        this.reply = reply;
        this.check = check;
        this.logDetail = logDetail;
    }

    public MailException(Reply reply, String check) {
        this(reply, check, null, null);
    }

    public Reply reply() {
        return reply;
    }

    public String check() {
        return check;
    }

    public String logDetail() {
        return logDetail;
    }

    public boolean isTemporary() {
        return reply.isTransient();
    }
}
