package org.postern.smtp.inbound;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.MessageSource;
import org.postern.core.Reply;

/**
 * Where the session engine puts a message: the queue (SMTP: one reply, "queued as") or local
 * delivery (LMTP: one reply per recipient). The body is written as it arrives, never held whole
 * in memory.
 */
public interface MessageReceiver {

    /** Starts a message at the first accepted recipient (Postfix opens its queue file then). */
    Spool begin() throws IOException;

    /** One message being received. */
    interface Spool extends AutoCloseable {
        /** Queue id for logs and the Received header. */
        String id();

        /** Message bytes: headers and body, CRLF line ends, dot-unstuffed. */
        OutputStream body();

        /** The bytes written so far, read back from the spool (flushed first): what end-of-data checks read. */
        MessageSource source() throws IOException;

        /**
         * The whole message has arrived: make it durable / deliver it, with the header block decided
         * at end of data in front of the spooled bytes. Returns the replies to send:
         * one for SMTP, one per recipient in RCPT order for LMTP. No positive reply is returned
         * before the message is on disk (DESIGN §8).
         */
        List<Reply> finish(Envelope envelope, HeaderBlock block) throws IOException;

        /** Discards an unfinished message (no-op after finish). */
        @Override
        void close();
    }
}
