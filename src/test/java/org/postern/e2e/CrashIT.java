package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.postern.testkit.PosternProcess;
import org.postern.testkit.SeqLoad;

/**
 * DESIGN §8 / issue 3 §3: what "250" promises. While several connections send uniquely numbered
 * messages, the server is killed with SIGKILL at random moments and restarted on the same
 * directory each time; after the last restart it drains its queue. Every message answered with
 * 250 must then be in the Maildir, whole (none lost, none torn); duplicates (at-least-once
 * delivery across crashes) are counted and reported.
 *
 * <p>Sizes from system properties: {@code crash.kills} (3), {@code crash.connections} (6),
 * {@code crash.minGapMs}/{@code crash.maxGapMs} between kills (1500/4000). The numbers go to stdout
 * and to {@code crash.report} (default {@code target/crash-test.txt}); {@code bench/crash-test.sh}
 * runs this with more kills and prints them.
 */
class CrashIT {
    static final Pattern SEQ = Pattern.compile("(?m)^X-Seq: (\\d+)\r?$");

    static int prop(String name, int def) {
        return Integer.getInteger(name, def);
    }

    @Test
    void everyAcknowledgedMessageSurvivesKillDashNine() throws Exception {
        int kills = prop("crash.kills", 3);
        int connections = prop("crash.connections", 6);
        int minGap = prop("crash.minGapMs", 1500);
        int maxGap = prop("crash.maxGapMs", 4000);
        String rcpt = "crash@" + PosternProcess.DOMAIN;

        try (PosternProcess server = PosternProcess.init()) {
            server.addUser(rcpt, "crash-Passw0rd");
            server.start();
            SeqLoad load = new SeqLoad(server.smtpPort(), "load@example.org", rcpt, connections).start();
            List<Integer> ackedAtKill = new ArrayList<>();
            long t0 = System.nanoTime();
            try {
                for (int k = 0; k < kills; k++) {
                    int before = load.acknowledged().size();
                    Thread.sleep(ThreadLocalRandom.current().nextInt(minGap, maxGap + 1));
                    // the load must be flowing when the kill comes, or the kill proves nothing
                    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (load.acknowledged().size() < before + connections && System.nanoTime() < end) {
                        Thread.sleep(50);
                    }
                    ackedAtKill.add(load.acknowledged().size());
                    server.kill();
                    Thread.sleep(ThreadLocalRandom.current().nextInt(0, 300));
                    server.start(Duration.ofSeconds(120));
                }
                // some traffic after the last restart too
                int before = load.acknowledged().size();
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (load.acknowledged().size() < before + connections * 5 && System.nanoTime() < end) {
                    Thread.sleep(50);
                }
            } finally {
                load.stop();
            }
            double loadSeconds = (System.nanoTime() - t0) / 1e9;

            Set<Integer> acked = load.acknowledged();
            // drain: wait until every acknowledged message is delivered, then until the queue is empty
            Map<Integer, Integer> found = scan(server.maildir(rcpt), load.runId());
            long end = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (!found.keySet().containsAll(acked) && System.nanoTime() < end) {
                Thread.sleep(250);
                found = scan(server.maildir(rcpt), load.runId());
            }
            String queue = "";
            while (System.nanoTime() < end) {
                queue = server.cli("queue", "list").ok().out();
                if (!queue.contains(rcpt)) {
                    break;
                }
                Thread.sleep(250);
            }
            found = scan(server.maildir(rcpt), load.runId());

            Set<Integer> lost = new TreeSet<>(acked);
            lost.removeAll(found.keySet());
            int duplicates = 0;
            int duplicated = 0;
            for (int n : found.values()) {
                duplicates += n - 1;
                duplicated += n > 1 ? 1 : 0;
            }
            Set<Integer> unackedDelivered = new TreeSet<>(found.keySet());
            unackedDelivered.removeAll(acked);
            int messages = found.values().stream().mapToInt(Integer::intValue).sum();
            String report = String.format(
                    "crash test: kills=%d connections=%d load=%.1fs attempted=%d acknowledged=%d found=%d (files %d) "
                            + "lost=%d duplicates=%d (of %d messages) delivered-without-250=%d refused-connects=%d "
                            + "broken-sessions=%d other-replies=%d acked-at-kills=%s",
                    kills, connections, loadSeconds, load.attempted().size(), acked.size(), found.size(), messages,
                    lost.size(), duplicates, duplicated, unackedDelivered.size(), load.refusedConnects(),
                    load.brokenSessions(), load.otherReplies(), ackedAtKill);
            System.out.println(report);
            Path reportFile = Path.of(System.getProperty("crash.report", "target/crash-test.txt"));
            Files.createDirectories(reportFile.toAbsolutePath().getParent());
            Files.writeString(reportFile, report + "\n", StandardCharsets.UTF_8);

            assertTrue(acked.size() > connections * (kills + 1), "the load ran: " + report);
            assertEquals(Set.of(), lost, "acknowledged but not in the Maildir; " + report + "\n" + server.logTail(60));
            assertTrue(!queue.contains(rcpt), "the queue drained:\n" + queue);
            // nothing was ever delivered that the client did not send
            assertTrue(load.attempted().containsAll(found.keySet()), report);
            int exit = server.stop();
            assertTrue(exit == 0 || exit == 143, "SIGTERM stops it cleanly after the crashes: exit " + exit);
        }
    }

    /** X-Seq number -> how many complete copies are in the Maildir's new/ (torn copies fail the test). */
    static Map<Integer, Integer> scan(Path maildir, String run) throws IOException {
        Map<Integer, Integer> out = new HashMap<>();
        Path dir = maildir.resolve("new");
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.toList();
        }
        for (Path f : files) {
            String m;
            try {
                m = Files.readString(f, StandardCharsets.ISO_8859_1);
            } catch (java.nio.file.NoSuchFileException e) {
                continue;
            }
            if (!m.contains("X-Run: " + run)) {
                continue;
            }
            Matcher x = SEQ.matcher(m);
            if (!x.find()) {
                throw new AssertionError("a message without X-Seq in " + f + ":\n" + m);
            }
            int seq = Integer.parseInt(x.group(1));
            if (!m.contains("end-of-seq " + seq)) {
                throw new AssertionError("torn message " + seq + " in " + f + " (" + m.length() + " bytes)");
            }
            out.merge(seq, 1, Integer::sum);
        }
        return out;
    }
}
