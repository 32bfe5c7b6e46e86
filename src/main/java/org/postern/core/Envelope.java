package org.postern.core;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What the SMTP/LMTP dialogue established about one message, stored with it in the queue.
 *
 * @param sender     the reverse path; null for the null sender {@code <>}
 * @param recipients in RCPT order
 * @param dsnRet     RFC 3461 RET (FULL or HDRS) or null
 * @param dsnEnvid   RFC 3461 ENVID (xtext-decoded) or null
 * @param bodyType   7BIT, 8BITMIME or BINARYMIME
 * @param smtputf8   SMTPUTF8 requested (RFC 6531)
 * @param client     who sent it
 * @param hold       put on hold on arrival (HOLD action)
 */
public record Envelope(Address sender, List<Recipient> recipients, String dsnRet, String dsnEnvid, String bodyType,
                       boolean smtputf8, Client client, Instant arrival, boolean hold) {

    public Envelope {
        recipients = List.copyOf(recipients);
    }

    /** One RCPT with its RFC 3461 parameters. */
    public record Recipient(Address address, Set<Notify> notifyOn, String orcpt) {
        public Recipient {
            notifyOn = notifyOn == null ? Set.of() : Set.copyOf(notifyOn);
        }

        public static Recipient of(Address a) {
            return new Recipient(a, Set.of(), null);
        }
    }

    /** RFC 3461 NOTIFY values; an empty set means "not given" (default: FAILURE,DELAY). */
    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }

    /**
     * The client: address, names as logged by Postfix ({@code host[ip]}), HELO, protocol
     * (SMTP, ESMTP, ESMTPS, LMTP…), TLS description (protocol and cipher) or null, SASL login or null.
     */
    public record Client(InetAddress ip, String hostname, String helo, String protocol, String tls, String saslUser) {
        /** Postfix's "host[ip]" form for logs. */
        public String logName() {
            return (hostname == null ? "unknown" : hostname) + "[" + (ip == null ? "unknown" : ip.getHostAddress()) + "]";
        }
    }
}
