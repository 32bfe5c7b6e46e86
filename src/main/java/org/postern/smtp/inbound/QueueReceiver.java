package org.postern.smtp.inbound;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.MessageSource;
import org.postern.core.Reply;
import org.postern.smtp.queue.QueueSink;

/** SMTP's receiver: the message goes into the queue; 250 only after the queue's commit (fsync). */
public final class QueueReceiver implements MessageReceiver {
    private final QueueSink queue;

    public QueueReceiver(QueueSink queue) {
        this.queue = queue;
    }

    @Override
    public Spool begin() throws IOException {
        QueueSink.Incoming in = queue.begin();
        return new Spool() {
            @Override
            public String id() {
                return in.queueId();
            }

            @Override
            public OutputStream body() {
                return in.body();
            }

            @Override
            public MessageSource source() throws IOException {
                return in.source();
            }

            @Override
            public List<Reply> finish(Envelope envelope, HeaderBlock block) throws IOException {
                in.commit(envelope, block);
                return List.of(Reply.of(250, "2.0.0", "Ok: queued as " + in.queueId()));
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }
}
