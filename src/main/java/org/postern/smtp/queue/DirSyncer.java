package org.postern.smtp.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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

    /** How long {@link #syncLater} gathers changes before its fsync. */
    private static final long LATER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final boolean group;
    private final Set<Path> dirty = ConcurrentHashMap.newKeySet();
    private volatile Thread background;
    private volatile boolean idle;
    private volatile boolean stopping;
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

    /**
     * Makes a change nothing is promised on (a removal) durable soon, without waiting: a background
     * thread fsyncs the directories named here some milliseconds later, one fsync for all the
     * changes made meanwhile. A crash before that fsync can at worst bring a delivered message's
     * queue file back, so it is delivered twice; never lost. (Postfix does not fsync directories
     * after an unlink at all.)
     */
    void syncLater(Path dir) {
        if (closed) {
            return;
        }
        dirty.add(dir);
        Thread t = background;
        if (t == null) {
            synchronized (this) {
                if (background == null && !closed) {
                    background = Thread.ofPlatform().daemon().name("queue-dirsync").start(this::backgroundLoop);
                }
            }
        } else if (idle) {
            LockSupport.unpark(t);
        }
    }

    private void backgroundLoop() {
        while (true) {
            if (dirty.isEmpty()) {
                if (stopping) {
                    return;
                }
                idle = true;
                if (dirty.isEmpty() && !stopping) {
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                }
                idle = false;
                continue;
            }
            if (!stopping) {
                LockSupport.parkNanos(LATER_NANOS); // gather the removals of the next few milliseconds
            }
            for (Path dir : List.copyOf(dirty)) {
                dirty.remove(dir);
                try {
                    sync(dir);
                } catch (IOException e) {
                    LOG.warn("fsync of {} failed: {}", dir, e.getMessage());
                }
            }
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
        stopping = true;
        Thread t = background;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(10)); // the pending removals' fsyncs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
