package org.postern.pipeline;

import org.postern.codec.smtp.MailFrom;
import org.postern.codec.smtp.RcptTo;

/**
 * A check's state for one transaction (Maddy's {@code CheckState}). A check that needs one stage
 * implements one method; the others accept. The pipeline calls the stages in protocol order and
 * {@link #close()} exactly once; calling a stage after close, or closing twice, is a pipeline bug and
 * fails loudly naming the check.
 */
public interface CheckState extends AutoCloseable {

    default Verdict connect() {
        return Verdict.ACCEPT;
    }

    default Verdict helo(String name) {
        return Verdict.ACCEPT;
    }

    default Verdict mail(MailFrom mail) {
        return Verdict.ACCEPT;
    }

    default Verdict rcpt(RcptTo rcpt) {
        return Verdict.ACCEPT;
    }

    /** The DATA or first BDAT command, before any content. */
    default Verdict data() {
        return Verdict.ACCEPT;
    }

    /** End of data: the whole message, as it will be stored. */
    default Verdict body(MessageView message) {
        return Verdict.ACCEPT;
    }

    @Override
    default void close() {
    }
}
