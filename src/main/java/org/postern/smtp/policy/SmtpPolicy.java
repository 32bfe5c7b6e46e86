package org.postern.smtp.policy;

import java.net.InetAddress;
import java.util.List;
import org.postern.core.Reply;

/**
 * Postfix-style restriction lists (smtpd_client/helo/sender/relay/recipient/data_restrictions),
 * evaluated per SMTP stage. The implementation owns smtpd_delay_reject: with it on (the default),
 * client, helo and sender restrictions are evaluated at RCPT time, as Postfix does.
 */
public interface SmtpPolicy {

    Decision check(Stage stage, Facts facts);

    enum Stage { CONNECT, HELO, MAIL, RCPT, DATA, END_OF_DATA }

    /**
     * An immutable snapshot of what the session knows.
     *
     * @param listener        listener name ("smtp", "submission"...)
     * @param clientIp        the client's address (after PROXY protocol)
     * @param clientName      verified (forward-confirmed) client hostname or "unknown"
     * @param reverseName     PTR name or "unknown"
     * @param clientNameTemp  true when the name lookup failed temporarily (DNS error)
     * @param helo            HELO/EHLO argument or null
     * @param protocol        SMTP or ESMTP
     * @param sender          MAIL FROM address as given (without brackets; "" for the null sender), or null before MAIL
     * @param recipient       the RCPT TO address being checked (without brackets), or null
     * @param recipientCount  accepted recipients so far
     * @param saslUser        authenticated login or null
     * @param tls             TLS active
     * @param unauthPipelining the client sent commands ahead of a reply where not allowed (RFC 2920)
     * @param queueId         the transaction's queue id, or null before the first accepted recipient
     * @param instance        a value unique to the transaction (policy attribute {@code instance}), or null
     * @param size            the MAIL SIZE= value before DATA, the received size at end of data, else 0
     * @param saslMethod      SASL mechanism or null
     * @param tlsProtocol     TLS protocol (TLSv1.3) or null
     * @param tlsCipher       TLS cipher suite or null
     */
    record Facts(String listener, InetAddress clientIp, String clientName, String reverseName, boolean clientNameTemp,
                 String helo, String protocol, String sender, String recipient, int recipientCount, String saslUser,
                 boolean tls, boolean unauthPipelining, String queueId, String instance, long size, String saslMethod,
                 String tlsProtocol, String tlsCipher) {

        /** Facts without the transaction and TLS details (tests, and stages that do not need them). */
        public Facts(String listener, InetAddress clientIp, String clientName, String reverseName, boolean clientNameTemp,
                     String helo, String protocol, String sender, String recipient, int recipientCount, String saslUser,
                     boolean tls, boolean unauthPipelining) {
            this(listener, clientIp, clientName, reverseName, clientNameTemp, helo, protocol, sender, recipient, recipientCount,
                    saslUser, tls, unauthPipelining, null, null, 0, null, null, null);
        }
    }

    /**
     * A stage's outcome. {@code CONTINUE} lets the command proceed; {@code REJECT} carries the reply
     * (4xx for defer); {@code DISCARD} and {@code HOLD} accept but mark the whole message; prepend
     * headers come from PREPEND actions (already validated, one header each, no CR/LF).
     */
    record Decision(Action action, Reply reply, List<String> prepend, String logDetail) {
        public static final Decision CONTINUE = new Decision(Action.CONTINUE, null, List.of(), null);

        public Decision {
            prepend = List.copyOf(prepend);
        }

        public static Decision reject(Reply r) {
            return new Decision(Action.REJECT, r, List.of(), null);
        }
    }

    enum Action { CONTINUE, REJECT, DISCARD, HOLD }
}
