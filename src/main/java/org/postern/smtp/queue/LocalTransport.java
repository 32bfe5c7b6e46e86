package org.postern.smtp.queue;

import java.util.ArrayList;
import java.util.List;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.smtp.delivery.LocalDelivery;

/** The "local" transport: our mailboxes, through {@link LocalDelivery} (the same code LMTP uses). */
public final class LocalTransport implements Transport {
    private final LocalDelivery delivery;

    public LocalTransport(LocalDelivery delivery) {
        this.delivery = delivery;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String destination(Address recipient) {
        return recipient.key();
    }

    @Override
    public List<Result> deliver(Request request) {
        List<Result> out = new ArrayList<>(request.recipients().size());
        for (Envelope.Recipient r : request.recipients()) {
            LocalDelivery.Outcome o = delivery.deliver(r.address(), request.envelope().sender(), request.message(), request.queueId());
            out.add(new Result(o.reply(), "local", o.detail(), o.forwards(), false));
        }
        return out;
    }
}
