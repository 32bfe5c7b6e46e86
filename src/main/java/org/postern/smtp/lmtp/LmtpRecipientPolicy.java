package org.postern.smtp.lmtp;

import org.postern.core.Address;
import org.postern.core.Reply;
import org.postern.directory.Directory;
import org.postern.smtp.policy.SmtpPolicy;

/**
 * LMTP has no relay policy: the client (our own or a trusted Postfix) hands over mail for final
 * delivery, so RCPT is accepted exactly for the addresses local delivery would deliver
 * (mailboxes, aliases, catch-alls), as Dovecot LMTP does. A directory outage is a 451, never
 * "user unknown".
 */
public final class LmtpRecipientPolicy implements SmtpPolicy {
    private final Directory directory;

    public LmtpRecipientPolicy(Directory directory) {
        this.directory = directory;
    }

    @Override
    public Decision check(Stage stage, Facts facts) {
        if (stage != Stage.RCPT) {
            return Decision.CONTINUE;
        }
        String rcpt = facts.recipient();
        Address a;
        try {
            a = Address.parse(rcpt);
        } catch (Address.InvalidAddressException e) {
            return Decision.reject(Reply.of(501, "5.1.3", "<" + rcpt + ">: Bad recipient address syntax"));
        }
        try {
            if (!directory.isLocalDomain(a.domain()) || !directory.resolve(a).exists()) {
                return Decision.reject(Reply.of(550, "5.1.1", "<" + rcpt + ">: User unknown"));
            }
            return Decision.CONTINUE;
        } catch (Directory.DirectoryUnavailableException e) {
            return Decision.reject(Reply.of(451, "4.3.0", "<" + rcpt + ">: Temporary lookup failure"));
        }
    }
}
