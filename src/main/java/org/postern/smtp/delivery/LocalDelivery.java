package org.postern.smtp.delivery;

import java.util.List;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;

/**
 * Final delivery of one message to one recipient address of ours: resolves it through the
 * directory (aliases, delimiter, catch-all) and delivers into each resulting mailbox with the
 * store. The same code path serves the queue's local transport and the LMTP server.
 */
public interface LocalDelivery {

    /**
     * @param recipient the envelope recipient (an address in one of our domains)
     * @param sender    the envelope sender, null for {@code <>}
     * @param message   the spooled message
     * @param queueId   for log lines
     */
    Outcome deliver(Address recipient, Address sender, MessageSource message, String queueId);

    /**
     * Per-recipient outcome: {@code reply} 2xx delivered, 4xx retry later, 5xx bounce;
     * {@code detail} is the log text in parentheses ("delivered to maildir");
     * {@code forwards} are non-local alias targets the caller must queue for relay.
     */
    record Outcome(Reply reply, String detail, List<Address> forwards) {
        public Outcome {
            forwards = List.copyOf(forwards);
        }
    }
}
