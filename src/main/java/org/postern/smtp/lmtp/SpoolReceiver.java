package org.postern.smtp.lmtp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.MessageSource;
import org.postern.core.Reply;
import org.postern.smtp.delivery.LocalDelivery;
import org.postern.smtp.inbound.MessageReceiver;
import org.postern.smtp.queue.QueueSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LMTP's receiver: the body is spooled to a temporary file (never held in memory), then each
 * recipient is delivered through {@link LocalDelivery} (the same code path as the queue's local
 * transport) and gets its own reply (RFC 2033 §4.2). Alias targets outside our domains are put
 * into the queue for relay; that recipient's reply waits for the queue's commit.
 */
public final class SpoolReceiver implements MessageReceiver {
    private static final Logger LOG = LoggerFactory.getLogger("lmtp");
    private static final AtomicLong SEQ = new AtomicLong(new SecureRandom().nextInt(1 << 20));

    private final Path spoolDir;
    private final LocalDelivery delivery;
    private final QueueSink forwardQueue;

    /**
     * @param spoolDir     where bodies wait during delivery (created if missing)
     * @param delivery     local delivery (directory + store)
     * @param forwardQueue the queue for alias targets in other domains, or null (then such
     *                     recipients are deferred with 451 4.3.0)
     */
    public SpoolReceiver(Path spoolDir, LocalDelivery delivery, QueueSink forwardQueue) throws IOException {
        this.spoolDir = Files.createDirectories(spoolDir);
        this.delivery = delivery;
        this.forwardQueue = forwardQueue;
    }

    @Override
    public Spool begin() throws IOException {
        String id = "L" + Long.toString(System.currentTimeMillis(), 36).toUpperCase() + Long.toString(SEQ.incrementAndGet(), 36).toUpperCase();
        Path file = spoolDir.resolve(id + ".tmp");
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), 64 * 1024);
        return new Spool() {
            private boolean closed;
            private long size;
            private final OutputStream counting = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    size++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    size += len;
                }
            };

            @Override
            public String id() {
                return id;
            }

            @Override
            public OutputStream body() {
                return counting;
            }

            @Override
            public MessageSource source() throws IOException {
                out.flush();
                return MessageSource.ofFile(file, 0, size);
            }

            @Override
            public List<Reply> finish(Envelope envelope, HeaderBlock block) throws IOException {
                out.close();
                MessageSource source = block.over(MessageSource.ofFile(file, 0, size));
                List<Reply> replies = new ArrayList<>(envelope.recipients().size());
                for (Envelope.Recipient r : envelope.recipients()) {
                    replies.add(deliverOne(r, envelope, source, id));
                }
                return replies;
            }

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.warn("{}: closing spool file: {}", id, e.toString());
                }
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.warn("{}: cannot remove spool file {}: {}", id, file, e.toString());
                }
            }
        };
    }

    private Reply deliverOne(Envelope.Recipient r, Envelope env, MessageSource source, String id) {
        Address rcpt = r.address();
        LocalDelivery.Outcome o;
        try {
            o = delivery.deliver(rcpt, env.sender(), source, id);
        } catch (RuntimeException e) {
            LOG.error("{}: to=<{}>, delivery failed: {}", id, rcpt, e.toString(), e);
            return Reply.of(451, "4.3.0", "<" + rcpt + "> Error: internal delivery error");
        }
        Reply reply = o.reply();
        if (reply.isPositive() && !o.forwards().isEmpty()) {
            Reply queued = queueForwards(o.forwards(), env, source, id);
            if (queued != null) {
                reply = queued;
            }
        }
        return new Reply(reply.code(), reply.status(), List.of("<" + rcpt + "> " + reply.text()));
    }

    /** Queues non-local alias targets; returns an error reply when that fails, else null. */
    private Reply queueForwards(List<Address> forwards, Envelope env, MessageSource source, String id) {
        if (forwardQueue == null) {
            LOG.warn("{}: alias targets {} need relay but no queue is configured", id, forwards);
            return Reply.of(451, "4.3.0", "Error: cannot forward now");
        }
        try (QueueSink.Incoming in = forwardQueue.begin()) {
            try (var body = source.open()) {
                body.transferTo(in.body());
            }
            List<Envelope.Recipient> rs = forwards.stream().map(Envelope.Recipient::of).toList();
            in.commit(new Envelope(env.sender(), rs, env.dsnRet(), env.dsnEnvid(), env.bodyType(), env.smtputf8(),
                    env.client(), env.arrival(), false));
            LOG.info("{}: forwarded to {} as {}", id, forwards, in.queueId());
            return null;
        } catch (IOException e) {
            LOG.warn("{}: queue file write error while forwarding: {}", id, e.toString());
            return Reply.of(451, "4.3.0", "Error: queue file write error");
        }
    }
}
