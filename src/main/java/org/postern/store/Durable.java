package org.postern.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The durability primitives of DESIGN §8: fsync a file's data, fsync a directory so a created or
 * renamed entry survives a crash, and create directories durably (each new directory's parent is
 * fsynced, so a Maildir made for a first delivery does not vanish with its message).
 */
final class Durable {
    private Durable() {
    }

    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    /** fsync(2) of a directory: makes entries created, renamed or removed in it durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Creates {@code dir} and any missing parents with mode 0700, fsyncing the parent of each
     * directory created. Returns true when something was created. Callers serialise creation
     * (a directory another thread made but has not fsynced yet would otherwise look durable).
     */
    static boolean createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        Path p = dir;
        while (p != null && !Files.isDirectory(p)) {
            missing.push(p);
            p = p.getParent();
        }
        if (missing.isEmpty()) {
            return false;
        }
        while (!missing.isEmpty()) {
            Path d = missing.pop();
            try {
                if (POSIX) {
                    Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectory(d);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(d)) {
                    throw e;
                }
                continue; // another thread or process made it; it fsyncs its parent
            }
            fsyncDirectory(d.getParent());
        }
        return true;
    }

    /** Options for a new private file (mode 0600). */
    static java.nio.file.attribute.FileAttribute<?>[] privateFile() {
        if (!POSIX) {
            return new java.nio.file.attribute.FileAttribute<?>[0];
        }
        return new java.nio.file.attribute.FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
    }
}
