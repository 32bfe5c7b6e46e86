package org.postern.codec.smtp;

import org.postern.core.Reply;

/** A command the codec could not accept; carries the reply to send (501/555 with enhanced status). */
public final class SmtpSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Reply reply;

    public SmtpSyntaxException(Reply reply) {
        super(reply.oneLine());
        this.reply = reply;
    }

    public SmtpSyntaxException(int code, String status, String text) {
        this(Reply.of(code, status, text));
    }

    public Reply reply() {
        return reply;
    }
}
