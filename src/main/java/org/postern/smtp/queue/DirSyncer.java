package org.postern.smtp.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes directory entries durable (fsync of the directory after create, rename or unlink: DESIGN §8).
 *
 * <p>Group commit: callers of {@link #sync} register the directory and wait; one committer thread
 * takes every request registered so far, fsyncs each directory once and releases all of them.
 * A request registered while a round runs waits for the next round, so no caller returns before
 * an fsync that started after its rename. Without group commit every call does its own fsync.
 */
final class DirSyncer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("qmgr");

    private final boolean group;
    private final Object lock = new Object();
    private Map<Path, CompletableFuture<Void>> pending = new HashMap<>();
    private final Map<Path, FileChannel> channels = new ConcurrentHashMap<>();
    private final Thread committer;
    private volatile boolean closed;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    DirSyncer(boolean group) {
        this.group = group;
        if (group) {
            committer = Thread.ofPlatform().name("queue-committer").daemon().start(this::loop);
        } else {
            committer = null;
        }
    }

    /** Returns after an fsync of {@code dir} that started after this call. */
    void sync(Path dir) throws IOException {
        requests.incrementAndGet();
        if (!group) {
            fsync(dir);
            return;
        }
        CompletableFuture<Void> f = request(dir);
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the queue directory fsync", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException("directory fsync failed", c);
        }
    }

    /** Schedules an fsync of {@code dir} without waiting (for changes nothing is promised on). */
    void syncLater(Path dir) {
        if (!group) {
            try {
                fsync(dir);
            } catch (IOException e) {
                LOG.warn("fsync of {} failed: {}", dir, e.getMessage());
            }
            return;
        }
        request(dir);
    }

    private CompletableFuture<Void> request(Path dir) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("queue is closed"));
            }
            CompletableFuture<Void> f = pending.computeIfAbsent(dir, d -> new CompletableFuture<>());
            lock.notifyAll();
            return f;
        }
    }

    private void loop() {
        while (true) {
            Map<Path, CompletableFuture<Void>> batch;
            synchronized (lock) {
                while (pending.isEmpty() && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // closing: drain what is pending
                        closed = true;
                    }
                }
                if (pending.isEmpty()) {
                    return;
                }
                batch = pending;
                pending = new HashMap<>();
            }
            rounds.incrementAndGet();
            for (var e : batch.entrySet()) {
                try {
                    fsync(e.getKey());
                    e.getValue().complete(null);
                } catch (IOException | RuntimeException ex) {
                    e.getValue().completeExceptionally(ex);
                }
            }
        }
    }

    private void fsync(Path dir) throws IOException {
        fsyncs.incrementAndGet();
        FileChannel ch = channels.get(dir);
        if (ch == null) {
            try {
                ch = channels.computeIfAbsent(dir, d -> {
                    try {
                        return FileChannel.open(d, StandardOpenOption.READ);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        ch.force(true);
    }

    /** fsync rounds done by the committer (group commit) or calls (without). */
    long rounds() {
        return group ? rounds.get() : fsyncs.get();
    }

    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        if (committer != null) {
            try {
                committer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing directory channel: {}", e.getMessage());
            }
        }
        channels.clear();
    }
}
