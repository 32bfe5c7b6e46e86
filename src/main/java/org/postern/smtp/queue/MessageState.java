package org.postern.smtp.queue;

import java.time.Instant;
import org.postern.core.Reply;

/**
 * The mutable delivery state of a queued message (persisted in {@code state/ID}): per recipient
 * pending / done / failed with the last reply, the next attempt time, attempts and flags.
 * Guarded by the owning {@link QueuedMessage}'s monitor.
 */
final class MessageState {
    enum Status {
        PENDING("P"), DONE("D"), FAILED("F");

        final String code;

        Status(String code) {
            this.code = code;
        }

        static Status of(String c) {
            for (Status s : values()) {
                if (s.code.equals(c)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("bad recipient status " + c);
        }
    }

    static final class Rcpt {
        Status status = Status.PENDING;
        /** The last reply (deferral reason or final outcome). */
        Reply reply;
        /** The log text of the last outcome (the part in parentheses). */
        String detail;
        /**
         * Done or failed, but the notice it needs (bounce, success DSN) is not queued yet: persisted
         * as pending so a crash repeats the attempt rather than losing the notice. Not persisted.
         */
        boolean unreported;
        /** RFC 3464 Action for a success notice: delivered, relayed, expanded. Not persisted. */
        String action;
        /** Whether the reply came from a remote server (Diagnostic-Code type smtp). Not persisted. */
        boolean remote;

        Status persisted() {
            return unreported ? Status.PENDING : status;
        }
    }

    final Rcpt[] rcpt;
    Instant nextAttempt;
    int attempts;
    boolean delayWarned;

    MessageState(int recipients) {
        rcpt = new Rcpt[recipients];
        for (int i = 0; i < recipients; i++) {
            rcpt[i] = new Rcpt();
        }
    }

    int pending() {
        int n = 0;
        for (Rcpt r : rcpt) {
            if (r.status == Status.PENDING) {
                n++;
            }
        }
        return n;
    }
}
