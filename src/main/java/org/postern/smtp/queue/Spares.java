package org.postern.smtp.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Emptied message files kept for the next messages, instead of an unlink per delivered message
 * and a new file per received one.
 *
 * <p>Why: ext4 does not hand out again an inode freed in the last seconds, and its allocator scans
 * past every such inode of the block group to find a free one. A queue that creates and unlinks a
 * couple of thousand files a second spent about a quarter of the server's CPU time there
 * ({@code find_inode_bit} under {@code openat}, measured with perf under bench/smtp-throughput.sh).
 * Renaming a finished message's file into {@code spare/}, emptying it, and renaming it back as the
 * next {@code incoming/} file keeps the same inodes in use.
 *
 * <p>Crash safety: a message leaves its queue directory by one atomic rename, exactly as an unlink
 * would remove it; what is in {@code spare/} is never a message. At start-up the spare files are
 * emptied again (a crash may have come between the rename and the truncation) and reused.
 */
final class Spares {
    static final int DEFAULT_LIMIT = 512;

    private final Path dir;
    private final int limit;
    private final ConcurrentLinkedQueue<Path> files = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong seq = new AtomicLong();
    /** Names made by this process differ from the ones left by an earlier one. */
    private final String prefix = Long.toString(System.currentTimeMillis(), 36) + ".";

    Spares(Path dir, int limit) {
        this.dir = dir;
        this.limit = limit;
    }

    /**
     * Renames a spare file to {@code to} (which must not exist) and opens it empty for writing and
     * reading; null when there is none (the caller creates a new file).
     */
    FileChannel reuse(Path to) {
        Path f;
        while ((f = files.poll()) != null) {
            count.decrementAndGet();
            try {
                Files.move(f, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                deleteQuietly(f);
                continue;
            }
            try {
                return FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.READ,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                deleteQuietly(to);
            }
        }
        return null;
    }

    /**
     * Takes {@code file} out of its directory: renamed into spare/ and emptied while there is room
     * for it, deleted otherwise. NoSuchFileException when it is already gone.
     */
    void recycle(Path file) throws IOException {
        if (count.get() >= limit) {
            Files.delete(file);
            return;
        }
        Path spare = dir.resolve(prefix + seq.incrementAndGet());
        Files.move(file, spare, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel ch = FileChannel.open(spare, StandardOpenOption.WRITE)) {
            ch.truncate(0); // the message's content goes now, not when the file is reused
        } catch (IOException e) {
            deleteQuietly(spare);
            return;
        }
        count.incrementAndGet();
        files.offer(spare);
    }

    /** Start-up: every file in spare/ emptied and kept (up to the limit), the rest deleted. */
    void recover() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (count.get() >= limit || !Files.isRegularFile(p)) {
                    deleteQuietly(p);
                    continue;
                }
                try {
                    if (Files.size(p) > 0) { // only a crash between rename and truncation leaves content
                        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                            ch.truncate(0);
                        }
                    }
                } catch (IOException e) {
                    deleteQuietly(p);
                    continue;
                }
                count.incrementAndGet();
                files.offer(p);
            }
        }
    }

    /** Spare files ready for reuse. */
    int size() {
        return count.get();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // nothing more to do: a stray spare file is harmless
        }
    }
}
