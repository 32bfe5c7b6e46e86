package org.postern.codec.smtp;

import java.util.Set;
import org.postern.core.Address;
import org.postern.core.Envelope;

/**
 * A parsed {@code RCPT TO:<path> params} (RFC 5321 §4.1.1.3, RFC 3461 §4.1-4.2).
 *
 * @param recipient the forward path (a bare {@code <Postmaster>} becomes postmaster@ the given default domain)
 * @param notifyOn  NOTIFY= values (empty when not given)
 * @param orcpt     ORCPT= as {@code addr-type;address} with the address xtext-decoded, or null
 */
public record RcptTo(Address recipient, Set<Envelope.Notify> notifyOn, String orcpt) {
    public RcptTo {
        notifyOn = Set.copyOf(notifyOn);
    }
}
