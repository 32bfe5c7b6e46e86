package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a queue process with SIGKILL while it commits and retries mail, several times, and checks
 * that every message whose commit returned is found intact afterwards, nothing is corrupt and no
 * temporary file survives recovery. (The end-to-end SMTP crash test is the infra harness's.)
 */
class QueueCrashTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void everyAcknowledgedMessageSurvivesKillNine() throws Exception {
        Set<String> acknowledged = new HashSet<>();
        Set<String> deliveredOrGone = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), QueueCrashChild.class.getName(), dir.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first;
            while ((first = in.readLine()) != null && !first.equals("READY")) {
                // start-up log lines
            }
            assertEquals("READY", first);
            // Kill at a random moment after the child has committed a few dozen messages (not at a
            // fixed time: a slow or busy machine may commit only a handful in the first second).
            Set<String> thisRound = new HashSet<>();
            long deadline = System.nanoTime() + 60_000_000_000L;
            long killAt = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(killAt, deadline)) {
                String l = in.readLine();
                if (l == null) {
                    break;
                }
                if (l.startsWith("C ")) {
                    thisRound.add(l.substring(2));
                    if (killAt == Long.MAX_VALUE && thisRound.size() >= 20) {
                        killAt = System.nanoTime() + ThreadLocalRandom.current().nextLong(0, 600_000_000L);
                    }
                }
            }
            // SIGKILL, without closing our end of the pipe (Process.destroy would)
            new ProcessBuilder("kill", "-9", Long.toString(p.pid())).inheritIO().start().waitFor();
            p.waitFor();
            String l;
            while ((l = in.readLine()) != null) { // ids printed before the kill are still in the pipe
                if (l.startsWith("C ")) {
                    thisRound.add(l.substring(2));
                }
            }
            assertTrue(thisRound.size() > 10, "the child committed messages: " + thisRound.size());
            acknowledged.addAll(thisRound);

            try (DurableQueue q = DurableQueue.open(dir, QueueConfig.defaults("mx.ours.example"), Map.of(), d -> true)) {
                Set<String> queued = q.list().stream().map(QueueAdmin.Entry::id).collect(Collectors.toSet());
                // Messages to local recipients only may have been delivered and removed: those are fine.
                for (String id : acknowledged) {
                    if (!queued.contains(id)) {
                        deliveredOrGone.add(id);
                    }
                }
                for (String id : queued) {
                    assertTrue(q.show(id).isPresent());
                }
            }
            try (Stream<Path> s = Files.list(dir.resolve("corrupt"))) {
                assertEquals(List.of(), s.toList(), "no corrupt files after a crash");
            }
            try (Stream<Path> s = Files.list(dir.resolve("incoming"))) {
                assertEquals(0, s.count(), "incomplete files removed");
            }
        }
        // Every message has a remote recipient (x@remote.example) that can never be delivered here,
        // so every acknowledged message must still be queued.
        assertEquals(Set.of(), deliveredOrGone, "acknowledged messages lost");
        assertTrue(acknowledged.size() > 30);
    }
}
