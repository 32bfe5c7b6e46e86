package org.postern.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The server's log appender: the logging thread (usually a connection's virtual thread) formats its
 * line with {@link SyslogLayout} and queues it; one platform thread writes the queued lines in
 * batches (one write per batch, not per line) to standard output or to a file. Loggers never wait
 * for a lock or for the disk, which matters when every message makes half a dozen log lines.
 *
 * <p>Like Postfix's postlogd, the log is not part of the durability promise: a {@code kill -9}
 * loses at most the lines of the last millisecond or so; a clean stop ({@link #stop}) writes
 * everything. When the queue holds {@link #MAX_PENDING} lines (the disk cannot keep up), loggers
 * wait rather than lose lines.
 *
 * <p>A log file is reopened when it is moved or removed (logrotate without copytruncate), checked
 * once a second, like syslog daemons after a HUP.
 */
final class AsyncLineAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    static final int MAX_PENDING = 100_000;
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long ROTATION_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SyslogLayout layout;
    private final OutputStream console;   // standard output/error, or null for a file
    private final Path file;              // the log file, or null for the console
    private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong queued = new AtomicLong();
    private volatile long written;        // lines written and flushed so far
    private volatile boolean idle;        // the writer is parked until a line arrives
    private volatile boolean running;
    private Thread writer;

    private OutputStream out;             // writer thread only (and stop() after it ended)
    private Object fileKey;
    private long lastRotationCheck;
    private long lastErrorReport;

    private AsyncLineAppender(SyslogLayout layout, OutputStream console, Path file) {
        this.layout = layout;
        this.console = console;
        this.file = file;
    }

    static AsyncLineAppender console(SyslogLayout layout, OutputStream target) {
        return new AsyncLineAppender(layout, target, null);
    }

    static AsyncLineAppender file(SyslogLayout layout, Path file) {
        return new AsyncLineAppender(layout, null, file);
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        try {
            out = open();
        } catch (IOException e) {
            addError("cannot open the log file " + file + ": " + e.getMessage(), e);
            return;
        }
        running = true;
        writer = Thread.ofPlatform().daemon().name("log-writer-" + getName()).unstarted(this::writeLoop);
        writer.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!running) {
            return;
        }
        byte[] line = layout.doLayout(event).getBytes(StandardCharsets.UTF_8);
        // Back-pressure when the writer cannot keep up: wait, never drop a mail log line.
        while (pending.get() >= MAX_PENDING && running) {
            LockSupport.parkNanos(100_000);
        }
        pending.incrementAndGet();
        queued.incrementAndGet();
        queue.offer(line);
        if (idle) {
            LockSupport.unpark(writer);
        }
    }

    /** Returns once every line queued before the call is written out (tests, and before exiting on an error). */
    void flush(long timeoutMillis) {
        long target = queued.get();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (written < target && running && System.nanoTime() < deadline) {
            LockSupport.unpark(writer);
            LockSupport.parkNanos(200_000);
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        running = false;
        Thread w = writer;
        LockSupport.unpark(w);
        try {
            w.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.stop();
    }

    private void writeLoop() {
        boolean lingered = false;
        while (true) {
            boolean wrote = drain();
            if (wrote) {
                lingered = false;
                continue;
            }
            if (!running) {
                if (queue.isEmpty()) {
                    break;
                }
                continue;
            }
            checkRotation();
            if (!lingered) {
                // Under load lines arrive every few microseconds: a short sleep batches them without
                // anybody having to wake this thread.
                LockSupport.parkNanos(LINGER_NANOS);
                lingered = true;
            } else {
                idle = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(ROTATION_CHECK_NANOS);
                }
                idle = false;
                lingered = false;
            }
        }
        closeOut();
    }

    /** Writes whatever is queued, then flushes; false when there was nothing. */
    private boolean drain() {
        byte[] line = queue.poll();
        if (line == null) {
            return false;
        }
        long n = 0;
        try {
            do {
                out.write(line);
                n++;
                pending.decrementAndGet();
            } while ((line = queue.poll()) != null);
            out.flush();
        } catch (IOException e) {
            // keep going: drop what could not be written, report it once a minute, retry the file
            while ((line = queue.poll()) != null) {
                n++;
                pending.decrementAndGet();
            }
            reportError("cannot write the log" + (file != null ? " file " + file : "") + ": " + e.getMessage(), e);
            if (file != null) {
                reopen();
            }
        }
        written += n;
        return true;
    }

    private OutputStream open() throws IOException {
        if (console != null) {
            return console;
        }
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        OutputStream o = new BufferedOutputStream(new FileOutputStream(abs.toFile(), true), 64 * 1024);
        fileKey = key(abs);
        return o;
    }

    private void checkRotation() {
        if (file == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastRotationCheck < ROTATION_CHECK_NANOS) {
            return;
        }
        lastRotationCheck = now;
        Object k = key(file.toAbsolutePath());
        if (k == null || !k.equals(fileKey)) {
            reopen();
        }
    }

    private void reopen() {
        closeOut();
        try {
            out = open();
        } catch (IOException e) {
            reportError("cannot reopen the log file " + file + ": " + e.getMessage(), e);
            out = OutputStream.nullOutputStream();
            fileKey = null;
        }
    }

    private void closeOut() {
        if (out == null) {
            return;
        }
        try {
            out.flush();
            if (console == null) {
                out.close();
            }
        } catch (IOException e) {
            reportError("cannot close the log file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's identity (device and inode where the platform has them), null when it is gone. */
    private static Object key(Path p) {
        try {
            Object k = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return k != null ? k : p;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return p;
        }
    }

    private void reportError(String msg, Exception e) {
        long now = System.nanoTime();
        if (lastErrorReport == 0 || now - lastErrorReport > TimeUnit.MINUTES.toNanos(1)) {
            lastErrorReport = now;
            addError(msg, e);
        }
    }
}
