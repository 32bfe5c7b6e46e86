package org.postern.smtp.inbound;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postern.core.Reply;
import org.postern.smtp.policy.SmtpPolicy;

/**
 * A tiny in-test policy (the real restriction engine is the policy engineer's): relay only to
 * test.local; unknown users "nobody@test.local"; reject_unauth_pipelining at DATA; HOLD/DISCARD/PREPEND by
 * magic recipients.
 */
final class TestPolicy implements SmtpPolicy {
    final List<Facts> seen = new CopyOnWriteArrayList<>();
    /** reject_unauth_pipelining in the DATA restrictions (Postfix's default); off lets pipelined DATA through. */
    volatile boolean rejectUnauthPipelining = true;

    @Override
    public Decision check(Stage stage, Facts f) {
        seen.add(f);
        switch (stage) {
            case RCPT -> {
                String r = f.recipient();
                if (!r.endsWith("@test.local")) {
                    return Decision.reject(Reply.of(554, "5.7.1", "<" + r + ">: Relay access denied"));
                }
                if (r.startsWith("nobody@")) {
                    return Decision.reject(Reply.of(550, "5.1.1",
                            "<" + r + ">: Recipient address rejected: User unknown in virtual mailbox table"));
                }
                if (r.startsWith("hold@")) {
                    return new Decision(Action.HOLD, null, List.of(), null);
                }
                if (r.startsWith("tag@")) {
                    return new Decision(Action.CONTINUE, null, List.of("X-Tag: tagged"), null);
                }
                return Decision.CONTINUE;
            }
            case DATA -> {
                if (rejectUnauthPipelining && f.unauthPipelining()) {
                    return Decision.reject(Reply.of(503, "5.5.0", "<DATA>: Data command rejected: Improper use of SMTP command pipelining"));
                }
                return Decision.CONTINUE;
            }
            default -> {
                return Decision.CONTINUE;
            }
        }
    }
}
