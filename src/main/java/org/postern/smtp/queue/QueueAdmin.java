package org.postern.smtp.queue;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.postern.core.Envelope;

/**
 * Queue administration on the running server (Postfix's mailq/postqueue/postsuper), used by the
 * control socket. Operations on a message being delivered take effect when its attempt ends.
 */
public interface QueueAdmin {

    /** Every queued message, oldest first (mailq). */
    List<Entry> list();

    /** One message: envelope, state and header block (postcat -q). */
    Optional<Details> show(String id) throws IOException;

    /** Attempts delivery of every deferred message now, ignoring retry times (postqueue -f); returns how many. */
    int flush();

    /** Deletes a message or, with "ALL", every message (postsuper -d); returns how many. */
    int delete(String idOrAll);

    /** Puts a message (or "ALL") on hold (postsuper -h); returns how many. */
    int hold(String idOrAll);

    /** Releases a held message (or "ALL") (postsuper -H); returns how many. */
    int release(String idOrAll);

    /**
     * @param queue      "active" (being delivered now), "deferred", "hold" or "incoming"
     *                   ("active" also covers a committed message not yet attempted)
     * @param recipients the recipients still to be delivered, with the last deferral reason
     */
    record Entry(String id, long size, Instant arrival, String sender, String queue, boolean running,
                 List<Recipient> recipients) {
        public Entry {
            recipients = List.copyOf(recipients);
        }
    }

    /** A pending recipient and why it is still queued (null: not attempted yet). */
    record Recipient(String address, String reason) {
    }

    /**
     * @param headers     the message's header fields (unfolded), bounded
     * @param nextAttempt when the next attempt is due (null: as soon as possible or on hold)
     */
    record Details(Entry entry, Envelope envelope, String messageId, List<String> headers, Instant nextAttempt, int attempts) {
        public Details {
            headers = List.copyOf(headers);
        }
    }
}
