package org.postern.smtp.queue;

import java.nio.file.Path;
import java.time.Instant;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
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
    /** Header fields added at end of data and incoming fields left out (served in front of the body). */
    final HeaderBlock block;

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

    QueuedMessage(String id, Envelope envelope, String messageId, long bodyLength, HeaderBlock block, Path file, String queue,
                  MessageState state) {
        this.block = block;
        this.id = id;
        this.envelope = envelope;
        this.messageId = messageId;
        this.bodyLength = bodyLength;
        this.file = file;
        this.queue = queue;
        this.state = state;
    }

    /** The message bytes as delivered (the header block in front of the spooled headers and body). */
    synchronized MessageSource body() {
        return block.over(MessageSource.ofFile(file, 0, bodyLength));
    }

    /** Size as Postfix reports it (message bytes, as delivered). */
    long size() {
        long omitted = block.omit().stream().mapToLong(HeaderBlock.Span::length).sum();
        return bodyLength - omitted + block.prepend().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
