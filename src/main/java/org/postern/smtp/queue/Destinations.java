package org.postern.smtp.queue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Per-destination concurrency (Postfix's *_destination_concurrency_limit): a counting semaphore
 * per destination key, created on first use and dropped when nobody holds or waits for it.
 */
final class Destinations {
    private static final class Slot {
        final Semaphore permits;
        int users;

        Slot(int limit) {
            permits = new Semaphore(limit, true);
        }
    }

    private final Map<String, Slot> slots = new HashMap<>();

    void acquire(String key, int limit) throws InterruptedException {
        Slot s;
        synchronized (slots) {
            s = slots.computeIfAbsent(key, k -> new Slot(limit));
            s.users++;
        }
        try {
            s.permits.acquire();
        } catch (InterruptedException e) {
            drop(key, s);
            throw e;
        }
    }

    void release(String key) {
        Slot s;
        synchronized (slots) {
            s = slots.get(key);
        }
        if (s != null) {
            s.permits.release();
            drop(key, s);
        }
    }

    private void drop(String key, Slot s) {
        synchronized (slots) {
            if (--s.users == 0) {
                slots.remove(key, s);
            }
        }
    }

    /** Destinations currently in use (for tests and status). */
    int size() {
        synchronized (slots) {
            return slots.size();
        }
    }
}
