package org.postern.smtp.queue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.postern.core.Address;
import org.postern.core.Envelope;

/** Helpers for queue tests: envelopes and committed messages. */
final class QueueTestSupport {
    private QueueTestSupport() {
    }

    static Envelope envelope(String sender, String... rcpts) {
        return envelope(sender, Set.of(), null, rcpts);
    }

    static Envelope envelope(String sender, Set<Envelope.Notify> notify, String ret, String... rcpts) {
        List<Envelope.Recipient> rs = java.util.Arrays.stream(rcpts)
                .map(r -> new Envelope.Recipient(Address.parse(r), notify, "rfc822;" + r)).toList();
        try {
            return new Envelope(sender == null ? null : Address.parse(sender), rs, ret, "envid-1", "8BITMIME", false,
                    new Envelope.Client(InetAddress.getByName("127.0.0.1"), "localhost", "client.example", "ESMTP", null, null),
                    Instant.now(), false);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String message(String subject, String body) {
        return "From: a@remote.example\r\nTo: b@ours.example\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode()
                + "@remote.example>\r\n\r\n" + body + "\r\n";
    }

    static String commit(QueueSink q, Envelope env, String text) throws IOException {
        try (QueueSink.Incoming in = q.begin()) {
            in.body().write(text.getBytes(StandardCharsets.UTF_8));
            in.commit(env);
            return in.queueId();
        }
    }
}
