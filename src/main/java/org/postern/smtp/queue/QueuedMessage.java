package org.postern.smtp.queue;

import java.nio.file.Path;
import java.time.Instant;
import org.postern.core.Envelope;
import org.postern.core.MessageSource;

/**
 * A committed message as the scheduler knows it: the immutable envelope and body (in the message
 * file) and the mutable {@link MessageState}. Mutable fields are guarded by this object's monitor.
 */
final class QueuedMessage {
    final String id;
    final Envelope envelope;
    final String messageId;
    final long bodyLength;

    /** Current location of the message file and its queue ("active", "deferred", "hold"). */
    Path file;
    String queue;
    MessageState state;
    /** A state/ID file may exist for this message (written, or found at recovery). */
    boolean stateFile;

    /** Being delivered now (or waiting for a delivery slot). */
    boolean running;
    /** Admin asked to delete or hold it while it was running. */
    boolean deleteRequested;
    boolean holdRequested;
    /** When the scheduler took it into the active queue this time (for delays=a/b/c/d). */
    Instant activeAt;
    /** Postmaster error notice already sent in this process (notify_classes resource/software). */
    boolean errorNoticed;

    QueuedMessage(String id, Envelope envelope, String messageId, long bodyLength, Path file, String queue, MessageState state) {
        this.id = id;
        this.envelope = envelope;
        this.messageId = messageId;
        this.bodyLength = bodyLength;
        this.file = file;
        this.queue = queue;
        this.state = state;
    }

    /** The message bytes (headers and body). */
    synchronized MessageSource body() {
        return MessageSource.ofFile(file, 0, bodyLength);
    }

    /** Size as Postfix reports it (message bytes). */
    long size() {
        return bodyLength;
    }
}
