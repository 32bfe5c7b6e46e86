package org.postern.smtp.policy;

import org.postern.codec.smtp.MailFrom;
import org.postern.codec.smtp.RcptTo;
import org.postern.pipeline.Check;
import org.postern.pipeline.CheckState;
import org.postern.pipeline.HeaderField;
import org.postern.pipeline.MessageView;
import org.postern.pipeline.SessionInfo;
import org.postern.pipeline.Verdict;

/**
 * An {@link SmtpPolicy} as a pipeline check: Postfix's restriction lists ({@link RestrictionPolicy},
 * with exactly their semantics, smtpd_delay_reject included) and LMTP's recipient policy. The
 * policy is stateless per call; the state only turns the session's live facts into a snapshot per
 * stage and the policy's {@code Decision} into a {@link Verdict} whose detail names the restriction
 * or table that decided.
 */
public final class PolicyCheck implements Check {
    private final String name;
    private final SmtpPolicy policy;

    public PolicyCheck(String name, SmtpPolicy policy) {
        this.name = name;
        this.policy = policy;
    }

    @Override
    public String name() {
        return name;
    }

    public SmtpPolicy policy() {
        return policy;
    }

    @Override
    public CheckState begin(SessionInfo s) {
        return new CheckState() {
            private long declaredSize;

            @Override
            public Verdict connect() {
                return run(SmtpPolicy.Stage.CONNECT, null, 0);
            }

            @Override
            public Verdict helo(String helo) {
                return run(SmtpPolicy.Stage.HELO, null, 0);
            }

            @Override
            public Verdict mail(MailFrom mail) {
                declaredSize = mail.size() == null ? 0 : mail.size();
                return run(SmtpPolicy.Stage.MAIL, null, declaredSize);
            }

            @Override
            public Verdict rcpt(RcptTo rcpt) {
                return run(SmtpPolicy.Stage.RCPT, rcpt.recipient().toString(), declaredSize);
            }

            @Override
            public Verdict data() {
                return run(SmtpPolicy.Stage.DATA, null, declaredSize);
            }

            @Override
            public Verdict body(MessageView message) {
                return run(SmtpPolicy.Stage.END_OF_DATA, null, message.size());
            }

            private Verdict run(SmtpPolicy.Stage stage, String recipient, long size) {
                SmtpPolicy.Facts f = new SmtpPolicy.Facts(s.listener(), s.clientIp(), s.clientName(), s.reverseName(),
                        s.clientNameTemporary(), s.helo(), s.esmtp() ? "ESMTP" : "SMTP", s.sender(), recipient, s.recipientCount(),
                        s.saslUser(), s.tls(), s.unauthPipelining(), s.queueId(), s.instance(), size, s.saslMethod(),
                        s.tlsProtocol(), s.tlsCipher());
                return verdict(policy.check(stage, f));
            }
        };
    }

    private Verdict verdict(SmtpPolicy.Decision d) {
        Verdict v = switch (d.action()) {
            case REJECT -> Verdict.refuse(d.reply(), name, d.logDetail());
            case DISCARD -> Verdict.of(Verdict.Action.DISCARD, name, d.logDetail());
            case HOLD -> Verdict.of(Verdict.Action.HOLD, name, d.logDetail());
            case CONTINUE -> d.prepend().isEmpty() ? Verdict.ACCEPT : Verdict.of(Verdict.Action.ACCEPT, name, null);
        };
        if (!d.prepend().isEmpty() && !v.action().refuses()) {
            v = v.withAdd(d.prepend().stream().map(HeaderField::parse).toList());
        }
        return v;
    }
}
