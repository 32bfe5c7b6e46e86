package org.postern.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dovecot's dotlock rules for {@code dovecot-uidlist.lock}: the lock holds {@code pid:host}; a lock
 * whose owner on this host is gone is taken over once it is two seconds old, a live owner's lock
 * is waited for, an unreadable one is taken over only when stale (two minutes).
 */
class UidlistLockTest {
    @TempDir
    Path dir;

    private Path lock() {
        return dir.resolve(Uidlist.LOCK_NAME);
    }

    private static String host() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    }

    private void leaveLock(String content, Duration age) throws IOException {
        Files.writeString(lock(), content);
        Files.setLastModifiedTime(lock(), FileTime.fromMillis(System.currentTimeMillis() - age.toMillis()));
    }

    /** The pid of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void writesPidAndHostLikeDovecot() throws Exception {
        try (Uidlist.Lock l = Uidlist.Lock.acquire(dir, Duration.ofSeconds(1))) {
            assertEquals(ProcessHandle.current().pid() + ":" + host(), Files.readString(lock()));
        }
        assertFalse(Files.exists(lock()));
    }

    @Test
    void aDeadOwnersLockIsTakenOverAtOnce() throws Exception {
        leaveLock(deadPid() + ":" + host(), Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        try (Uidlist.Lock l = Uidlist.Lock.acquire(dir, Duration.ofSeconds(10))) {
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "no waiting for the stale timeout");
            assertEquals(ProcessHandle.current().pid() + ":" + host(), Files.readString(lock()));
        }
    }

    @Test
    void aLockLeftWithOurOwnPidByAnEarlierProcessIsTakenOver() throws Exception {
        // as after a restart in a container, where the new server gets the old one's pid
        leaveLock(ProcessHandle.current().pid() + ":" + host(), Duration.ofSeconds(5));
        try (Uidlist.Lock l = Uidlist.Lock.acquire(dir, Duration.ofSeconds(1))) {
            assertTrue(Files.exists(lock()));
        }
    }

    @Test
    void aLiveOwnersLockIsWaitedFor() throws Exception {
        Process live = new ProcessBuilder("sleep", "30").start();
        try {
            leaveLock(live.pid() + ":" + host(), Duration.ofSeconds(5));
            assertThrows(IOException.class, () -> Uidlist.Lock.acquire(dir, Duration.ofMillis(300)));
            assertEquals(live.pid() + ":" + host(), Files.readString(lock()));
        } finally {
            live.destroyForcibly().waitFor();
        }
    }

    @Test
    void aYoungLockIsNotCheckedAndAnotherHostsLockWaitsForTheStaleTimeout() throws Exception {
        leaveLock(deadPid() + ":" + host(), Duration.ZERO);
        assertThrows(IOException.class, () -> Uidlist.Lock.acquire(dir, Duration.ofMillis(300)));
        leaveLock(deadPid() + ":other-host.example", Duration.ofSeconds(30));
        assertThrows(IOException.class, () -> Uidlist.Lock.acquire(dir, Duration.ofMillis(300)));
        leaveLock("", Duration.ofSeconds(30));
        assertThrows(IOException.class, () -> Uidlist.Lock.acquire(dir, Duration.ofMillis(300)));
        leaveLock(deadPid() + ":other-host.example", Duration.ofMinutes(3));
        try (Uidlist.Lock l = Uidlist.Lock.acquire(dir, Duration.ofSeconds(1))) {
            assertTrue(Files.exists(lock()));
        }
    }

    @Test
    void aLockThisProcessHoldsIsNeverTakenOver() throws Exception {
        try (Uidlist.Lock held = Uidlist.Lock.acquire(dir, Duration.ofSeconds(1))) {
            Files.setLastModifiedTime(lock(), FileTime.fromMillis(System.currentTimeMillis() - 5_000));
            assertThrows(IOException.class, () -> Uidlist.Lock.acquire(dir, Duration.ofMillis(300)));
        }
        assertFalse(Files.exists(lock()));
    }
}
