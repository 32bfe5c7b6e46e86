package org.postern.smtp.queue;

import java.io.IOException;
import java.io.OutputStream;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.MessageSource;

/**
 * Where a receiving session puts a message: the queue. The body is written to a temporary file
 * beside the queue (same filesystem); {@link Incoming#commit} makes it durable and only then may
 * the session answer 250 (DESIGN §8).
 */
public interface QueueSink {

    /** Starts a message (Postfix assigns the queue id at MAIL FROM). */
    Incoming begin() throws IOException;

    interface Incoming extends AutoCloseable {
        /** The queue id, stable from begin to delivery. */
        String queueId();

        /** Raw message bytes: headers and body, CRLF line ends, dot-unstuffed. */
        OutputStream body();

        /** Bytes written so far. */
        long size();

        /**
         * The bytes written so far, read back from the spool file (pending output is flushed first),
         * so end-of-data checks see exactly what will be stored.
         */
        MessageSource source() throws IOException;

        /** fsyncs data and directory entry, enqueues for delivery; after return the message survives kill -9. */
        default void commit(Envelope envelope) throws IOException {
            commit(envelope, HeaderBlock.EMPTY);
        }

        /**
         * Commits with the header block decided at end of data (stored with the envelope and served in
         * front of the body wherever the message is read).
         */
        void commit(Envelope envelope, HeaderBlock block) throws IOException;

        /** Discards an uncommitted message (no-op after commit). */
        @Override
        void close();
    }
}
