package org.postern.smtp.queue;

import java.util.List;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.core.MessageSource;
import org.postern.core.Reply;

/**
 * A delivery agent the scheduler hands recipients to (Postfix's master.cf transports): {@code local}
 * (our mailboxes, via {@link LocalTransport}) and later {@code smtp} (remote delivery). The
 * scheduler routes recipients in our domains to "local" and all others to "smtp"; while no "smtp"
 * transport is registered such recipients stay deferred.
 */
public interface Transport {

    /** The transport name as it appears in logs and routing: "local", "smtp". */
    String name();

    /**
     * The destination a recipient belongs to, for per-destination concurrency and batching:
     * the mailbox for local delivery (Postfix's local(8) recipient limit 1), the domain for SMTP.
     */
    String destination(Address recipient);

    /**
     * Delivers the message to recipients of one destination. Returns one result per recipient, in
     * order. Must not throw for delivery problems (those are results); an unexpected exception is
     * treated as a software error (deferred, postmaster notified per notify_classes).
     */
    List<Result> deliver(Request request);

    /**
     * @param queueId    for log lines
     * @param envelope   the whole envelope (sender, DSN parameters)
     * @param recipients the recipients to deliver to now, all of {@link #destination} equal
     * @param message    the message bytes
     */
    record Request(String queueId, Envelope envelope, List<Envelope.Recipient> recipients, MessageSource message) {
        public Request {
            recipients = List.copyOf(recipients);
        }
    }

    /**
     * One recipient's outcome.
     *
     * @param reply          2xx delivered, 4xx try again later, 5xx permanent failure
     * @param relay          what the log shows as relay= ("local", "mx.example[192.0.2.1]:25")
     * @param detail         the log text in parentheses ("delivered to maildir", "host said: ...")
     * @param forwards       addresses the recipient forwards to (the queue relays them as a new message)
     * @param remoteDiagnostic true when {@code reply} is a remote server's reply (DSN Diagnostic-Code "smtp;")
     */
    record Result(Reply reply, String relay, String detail, List<Address> forwards, boolean remoteDiagnostic) {
        public Result {
            forwards = forwards == null ? List.of() : List.copyOf(forwards);
        }
    }
}
