package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11 item 1: the queue holds mail, so it is owner-only (0700 / 0600) whatever the umask, as Postfix's. */
class QueueModesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void queueDirectoriesAndFilesAreOwnerOnlyAndAnOpenSpoolIsRepaired() throws Exception {
        Path root = dir.resolve("spool");
        // An existing spool left world-readable by an earlier version (umask 022).
        Files.createDirectories(root.resolve(QueueStore.INCOMING));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve(QueueStore.INCOMING), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path old = Files.writeString(root.resolve(QueueStore.INCOMING).resolve("OLD1"), "x");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));

        try (QueueStore store = new QueueStore(root, false);
             QueueSink.Incoming in = store.begin()) {
            in.body().write("Subject: secret\r\n\r\nbody\r\n".getBytes());
            in.body().flush();
            assertEquals("rwx------", mode(root));
            for (String d : List.of(QueueStore.INCOMING, QueueStore.ACTIVE, QueueStore.DEFERRED, QueueStore.HOLD,
                    QueueStore.CORRUPT, QueueStore.STATE, QueueStore.SPARE)) {
                assertEquals("rwx------", mode(root.resolve(d)), d);
            }
            assertEquals("rw-------", mode(root.resolve(QueueStore.INCOMING).resolve(in.queueId())));
            assertEquals("rw-------", mode(root.resolve("lock")));
        }
    }
}
