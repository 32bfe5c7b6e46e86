package org.postern.net;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Per-client-IP connection limits, like Postfix's anvil: concurrent connections from one address
 * and connections per time unit (a fixed window of {@code anvil_rate_time_unit}). Exempt clients
 * (Postfix: smtpd_client_event_limit_exceptions, default $mynetworks) are counted but never refused.
 * A limit of 0 disables that check.
 */
public final class ConnectionLimits {

    private final int maxPerIp;
    private final int ratePerUnit;
    private final long unitNanos;
    private final Predicate<InetAddress> exempt;
    private final LongSupplier clock;
    private final Map<InetAddress, Counter> counters = new ConcurrentHashMap<>();

    private static final class Counter {
        int concurrent;
        long windowStart;
        int inWindow;
    }

    public ConnectionLimits(int maxPerIp, int ratePerUnit, Duration unit, Predicate<InetAddress> exempt) {
        this(maxPerIp, ratePerUnit, unit, exempt, System::nanoTime);
    }

    ConnectionLimits(int maxPerIp, int ratePerUnit, Duration unit, Predicate<InetAddress> exempt, LongSupplier clock) {
        this.maxPerIp = maxPerIp;
        this.ratePerUnit = ratePerUnit;
        this.unitNanos = unit.toNanos();
        this.exempt = exempt;
        this.clock = clock;
    }

    /** No limits at all. */
    public static ConnectionLimits none() {
        return new ConnectionLimits(0, 0, Duration.ofMinutes(1), ip -> true);
    }

    /** A granted connection; close it when the connection ends. */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Counts a new connection from {@code ip}.
     *
     * @return a lease to close at the end, or null with {@code refusal[0]} set when a limit is exceeded
     */
    public Lease acquire(InetAddress ip, ConnectionHandler.Refusal[] refusal) {
        boolean free = exempt.test(ip);
        long now = clock.getAsLong();
        Counter c;
        while (true) {
            c = counters.computeIfAbsent(ip, k -> new Counter());
            synchronized (c) {
                if (counters.get(ip) == c) {
                    break; // not swept away meanwhile
                }
            }
        }
        final Counter cc = c;
        synchronized (c) {
            if (now - c.windowStart >= unitNanos || c.inWindow == 0) {
                c.windowStart = now;
                c.inWindow = 0;
            }
            c.inWindow++;
            if (!free && maxPerIp > 0 && c.concurrent + 1 > maxPerIp) {
                refusal[0] = new ConnectionHandler.Refusal(ConnectionHandler.Refusal.Kind.CONCURRENCY, c.concurrent + 1);
                return null;
            }
            if (!free && ratePerUnit > 0 && c.inWindow > ratePerUnit) {
                refusal[0] = new ConnectionHandler.Refusal(ConnectionHandler.Refusal.Kind.RATE, c.inWindow);
                return null;
            }
            c.concurrent++;
        }
        return new Lease() {
            private boolean done;

            @Override
            public void close() {
                synchronized (cc) {
                    if (done) {
                        return;
                    }
                    done = true;
                    cc.concurrent--;
                }
                sweep(ip, cc);
            }
        };
    }

    /** Forgets an address with no open connection and an expired window (bounded memory). */
    private void sweep(InetAddress ip, Counter c) {
        long now = clock.getAsLong();
        synchronized (c) {
            if (c.concurrent == 0 && (ratePerUnit == 0 || now - c.windowStart >= unitNanos)) {
                counters.remove(ip, c);
            }
        }
        if (counters.size() > 10_000) {
            counters.entrySet().removeIf(e -> {
                Counter k = e.getValue();
                synchronized (k) {
                    return k.concurrent == 0 && now - k.windowStart >= unitNanos;
                }
            });
        }
    }

    /** Current concurrent connections from an address (for tests and status). */
    public int concurrent(InetAddress ip) {
        Counter c = counters.get(ip);
        if (c == null) {
            return 0;
        }
        synchronized (c) {
            return c.concurrent;
        }
    }
}
