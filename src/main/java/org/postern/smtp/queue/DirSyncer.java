package org.postern.smtp.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes directory entries durable (fsync of the directory after create, rename or unlink: DESIGN §8).
 *
 * <p>Group commit, leader/follower style: per directory at most one fsync runs at a time. A caller
 * arriving while one runs waits for the next one, which a single waiter (the leader) performs for
 * everybody who arrived meanwhile; nobody returns before an fsync that <em>started after</em> its
 * call (so it covers the caller's rename). There is no hand-off to another thread. Without group
 * commit every call does its own fsync (the kernel's journal may still merge concurrent ones).
 */
final class DirSyncer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("qmgr");

    private static final class Dir {
        final Path path;
        FileChannel channel;
        long started;      // fsyncs started
        long completed;    // highest fsync generation finished successfully
        long failed;       // highest generation that failed
        IOException failure;
        boolean inFlight;

        Dir(Path path) {
            this.path = path;
        }
    }

    private final boolean group;
    private final Map<Path, Dir> dirs = new ConcurrentHashMap<>();
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean closed;

    DirSyncer(boolean group) {
        this.group = group;
    }

    /** Returns after an fsync of {@code dir} that started after this call has completed. */
    void sync(Path dir) throws IOException {
        requests.incrementAndGet();
        if (closed) {
            throw new IOException("queue is closed");
        }
        Dir d = dirs.computeIfAbsent(dir, Dir::new);
        if (!group) {
            fsync(d);
            return;
        }
        long gen;
        synchronized (d) {
            long target = d.started + 1; // the next fsync to start covers this call
            while (true) {
                if (d.completed >= target) {
                    return;
                }
                if (d.failed >= target) {
                    throw new IOException("directory fsync failed: " + d.failure.getMessage(), d.failure);
                }
                if (!d.inFlight) {
                    d.inFlight = true;
                    gen = ++d.started;
                    break;
                }
                try {
                    d.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the queue directory fsync", e);
                }
            }
        }
        IOException err = null;
        try {
            fsync(d);
        } catch (IOException e) {
            err = e;
        }
        synchronized (d) {
            d.inFlight = false;
            if (err == null) {
                d.completed = gen;
            } else {
                d.failed = gen;
                d.failure = err;
            }
            d.notifyAll();
        }
        if (err != null) {
            throw err;
        }
    }

    /**
     * Commits a written queue file: fsync its data (in the caller's thread, so many sessions' file
     * fsyncs run in parallel and the file system journal merges them), close it, rename it to
     * {@code to}, then make the rename durable with {@link #sync} (grouped with other callers').
     * Returns only when all of that is done.
     */
    void commit(FileChannel file, Path from, Path to) throws IOException {
        try (file) {
            file.force(false);
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        sync(to.getParent());
    }

    /** fsyncs {@code dir} for changes nothing is promised on (removals); same path, the caller just does not care about timing. */
    void syncLater(Path dir) {
        try {
            sync(dir);
        } catch (IOException e) {
            LOG.warn("fsync of {} failed: {}", dir, e.getMessage());
        }
    }

    private void fsync(Dir d) throws IOException {
        fsyncs.incrementAndGet();
        FileChannel ch;
        synchronized (d) {
            if (d.channel == null) {
                d.channel = FileChannel.open(d.path, StandardOpenOption.READ);
            }
            ch = d.channel;
        }
        try {
            ch.force(true);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Directory fsyncs done so far. */
    long rounds() {
        return fsyncs.get();
    }

    /** Calls that needed a directory to be durable. */
    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        closed = true;
        for (Dir d : dirs.values()) {
            synchronized (d) {
                if (d.channel != null) {
                    try {
                        d.channel.close();
                    } catch (IOException e) {
                        LOG.debug("closing directory channel: {}", e.getMessage());
                    }
                    d.channel = null;
                }
            }
        }
    }
}
