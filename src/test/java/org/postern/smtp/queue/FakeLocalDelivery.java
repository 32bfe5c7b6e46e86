package org.postern.smtp.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;
import org.postern.smtp.delivery.LocalDelivery;

/** An in-memory LocalDelivery for scheduler logic tests: outcomes chosen per recipient, deliveries recorded. */
final class FakeLocalDelivery implements LocalDelivery {
    record Delivered(Address recipient, Address sender, String text, String queueId) {
    }

    final List<Delivered> delivered = new CopyOnWriteArrayList<>();
    volatile Function<Address, Outcome> outcome = a -> ok();

    static Outcome ok() {
        return new Outcome(Reply.of(250, "2.0.0", "Ok"), "delivered to maildir", List.of());
    }

    static Outcome fail(int code, String status, String text) {
        return new Outcome(Reply.of(code, status, text), text, List.of());
    }

    @Override
    public Outcome deliver(Address recipient, Address sender, MessageSource message, String queueId) {
        Outcome o = outcome.apply(recipient);
        if (o.reply().isPositive()) {
            try (InputStream in = message.open()) {
                delivered.add(new Delivered(recipient, sender, new String(in.readAllBytes(), StandardCharsets.UTF_8), queueId));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return o;
    }

    List<Delivered> to(String address) {
        return delivered.stream().filter(d -> d.recipient().key().equals(Address.parse(address).key())).toList();
    }
}
