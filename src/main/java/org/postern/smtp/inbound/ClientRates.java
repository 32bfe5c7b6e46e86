package org.postern.smtp.inbound;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Per-client message and recipient rates, like Postfix's anvil behind
 * {@code smtpd_client_message_rate_limit} (MAIL FROM commands) and
 * {@code smtpd_client_recipient_rate_limit} (RCPT TO commands), counted in fixed windows of
 * {@code anvil_rate_time_unit} per client IP. Exempt clients (smtpd_client_event_limit_exceptions,
 * Postfix's default $mynetworks) are never limited. A limit of 0 disables that count.
 */
public final class ClientRates {
    private final int messagesPerUnit;
    private final int recipientsPerUnit;
    private final long unitNanos;
    private final Predicate<InetAddress> exempt;
    private final LongSupplier clock;
    private final Map<InetAddress, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long start;
        int messages;
        int recipients;
    }

    public ClientRates(int messagesPerUnit, int recipientsPerUnit, Duration unit, Predicate<InetAddress> exempt) {
        this(messagesPerUnit, recipientsPerUnit, unit, exempt, System::nanoTime);
    }

    ClientRates(int messagesPerUnit, int recipientsPerUnit, Duration unit, Predicate<InetAddress> exempt, LongSupplier clock) {
        this.messagesPerUnit = messagesPerUnit;
        this.recipientsPerUnit = recipientsPerUnit;
        this.unitNanos = unit.toNanos();
        this.exempt = exempt;
        this.clock = clock;
    }

    /** No limits. */
    public static ClientRates none() {
        return new ClientRates(0, 0, Duration.ofMinutes(1), ip -> true);
    }

    /** Counts a MAIL FROM; returns the client's count in this window when it is over the limit, else 0. */
    int message(InetAddress ip) {
        return count(ip, true);
    }

    /** Counts a RCPT TO; returns the client's count in this window when it is over the limit, else 0. */
    int recipient(InetAddress ip) {
        return count(ip, false);
    }

    private int count(InetAddress ip, boolean message) {
        int limit = message ? messagesPerUnit : recipientsPerUnit;
        if (limit <= 0 || ip == null || exempt.test(ip)) {
            return 0;
        }
        long now = clock.getAsLong();
        if (windows.size() > 10_000) {
            windows.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return now - e.getValue().start >= unitNanos;
                }
            });
        }
        Window w = windows.computeIfAbsent(ip, k -> new Window());
        synchronized (w) {
            if (now - w.start >= unitNanos || (w.messages == 0 && w.recipients == 0)) {
                w.start = now;
                w.messages = 0;
                w.recipients = 0;
            }
            int n = message ? ++w.messages : ++w.recipients;
            return n > limit ? n : 0;
        }
    }
}
