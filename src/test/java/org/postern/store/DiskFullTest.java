package org.postern.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;

/**
 * A really full disk: a 512 KiB tmpfs mounted for the test (needs root; skipped where mounting is
 * not allowed). Deliveries that do not fit fail with 452 4.3.1 and leave nothing in new/ or tmp/;
 * once space is freed the mailbox works again with gapless UIDs.
 */
class DiskFullTest {
    @TempDir
    Path dir;

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    @Test
    void fullDiskIsTemporaryAndLeavesNoFile() throws Exception {
        Path mnt = dir.resolve("small");
        Files.createDirectories(mnt);
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Assumptions.assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt.toString()) == 0, "mount not permitted here");
        try {
            MaildirStore st = new MaildirStore(mnt, "%d/%n", "mx.example.org");
            Address bob = Address.parse("bob@example.org");
            MailStore.Result r;
            int ok = 0;
            while ((r = st.deliver(new MailStore.Request(bob, null, "a@example.com", bob, null, MaildirStoreTest.message(60_000)))).delivered()) {
                ok++;
                assertTrue(ok < 20, "the disk should fill up");
            }
            assertTrue(ok >= 5, "some fit: " + ok);
            assertEquals(452, r.reply().code(), r.toString());
            assertEquals("4.3.1", r.reply().status().toString());
            assertTrue(r.detail().contains("No space left on device"), r.detail());
            Path home = st.home(bob);
            assertEquals(ok, list(home.resolve("new")).size(), "no half-written file in new/");
            assertTrue(list(home.resolve("tmp")).isEmpty(), "nor in tmp/");

            // free space: the next delivery works and continues the UIDs
            Path victim = list(home.resolve("new")).getFirst();
            Files.delete(victim);
            Files.delete(list(home.resolve("new")).getFirst());
            MailStore.Result again = st.deliver(new MailStore.Request(bob, null, "a@example.com", bob, null, MaildirStoreTest.message(60_000)));
            assertTrue(again.delivered(), again.toString());
            assertEquals(ok + 1, again.uid());
            assertFalse(st.index(bob, null).sync().messages().isEmpty());
        } finally {
            sh("umount", "-l", mnt.toString());
        }
    }
}
