package org.postern.smtp.queue;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue ids: 14 upper-case hex digits of the microseconds since the epoch at {@code begin()},
 * made strictly increasing (so unique within one queue, sortable by arrival, safe as file
 * names). Seeded with the largest id found on disk so a restart never reuses one.
 */
final class QueueIds {
    static final int LENGTH = 14;
    private final AtomicLong last = new AtomicLong();

    void seen(String id) {
        long v = parse(id);
        last.accumulateAndGet(v, Math::max);
    }

    String next() {
        long now = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        long v = last.accumulateAndGet(now, (prev, n) -> Math.max(prev + 1, n));
        return String.format(Locale.ROOT, "%014X", v);
    }

    static boolean valid(String id) {
        if (id == null || id.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    static long parse(String id) {
        return valid(id) ? Long.parseUnsignedLong(id, 16) : 0;
    }
}
