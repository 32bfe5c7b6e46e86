package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.config.Config;
import org.postern.directory.DirectorySettings;
import org.postern.directory.SqlDirectory;
import org.postern.smtp.delivery.LocalDeliveryAgent;
import org.postern.store.MaildirStore;

/** The queue over the real pieces: SQLite directory, Maildir store, the local delivery agent. */
class QueueLocalDeliveryTest {
    @TempDir
    Path data;
    SqlDirectory directory;
    MaildirStore store;
    DurableQueue queue;

    @BeforeEach
    void setUp() throws IOException {
        directory = SqlDirectory.open(Config.defaults(DirectorySettings.all()), data);
        directory.addDomain("ours.example");
        directory.addUser(Address.parse("bob@ours.example"), "{PLAIN}x", null);
        directory.addUser(Address.parse("alice@ours.example"), "{PLAIN}x", null);
        directory.addUser(Address.parse("postmaster@ours.example"), "{PLAIN}x", null);
        directory.addAlias("fw@ours.example", List.of("bob@ours.example", "friend@remote.example"));
        store = new MaildirStore(data, "mail/%d/%n", "mx.ours.example");
        QueueConfig cfg = new QueueConfig("mx.ours.example", "ours.example", true, Duration.ofMillis(200), Duration.ofMillis(400),
                Duration.ofMillis(100), Duration.ofDays(5), Duration.ofDays(5), Duration.ZERO, false,
                java.util.Set.of("resource", "software", "2bounce"), false, 20, 2, 100, 20000, 50000, "double-bounce",
                "postmaster", "postmaster", "postmaster", "postmaster");
        queue = DurableQueue.open(data.resolve("spool"), cfg,
                Map.of("local", new LocalTransport(new LocalDeliveryAgent(directory, store))), directory::isLocalDomain);
        queue.start();
    }

    @AfterEach
    void tearDown() {
        queue.close();
        directory.close();
    }

    List<String> inbox(String addr) throws IOException {
        Path n = store.home(Address.parse(addr)).resolve("new");
        if (!Files.isDirectory(n)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(n)) {
            return s.map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void deliversBouncesAndForwards() throws Exception {
        QueueTestSupport.commit(queue, QueueTestSupport.envelope("alice@ours.example", "bob@ours.example", "nobody@ours.example"),
                QueueTestSupport.message("to bob", "hello bob"));
        SchedulerTest.await("bob's copy and alice's bounce", () -> {
            try {
                return inbox("bob@ours.example").size() == 1 && inbox("alice@ours.example").size() == 1;
            } catch (IOException e) {
                return false;
            }
        });
        String bob = inbox("bob@ours.example").getFirst();
        assertTrue(bob.startsWith("Return-Path: <alice@ours.example>"), bob);
        assertTrue(bob.contains("Subject: to bob"));
        Dsn dsn = Dsn.parse(inbox("alice@ours.example").getFirst().replace("\r\n", "\n").replace("\n", "\r\n"));
        assertEquals("5.1.1", dsn.perRecipient().getFirst().get("status"));
        assertEquals("rfc822; nobody@ours.example", dsn.perRecipient().getFirst().get("final-recipient"));
        SchedulerTest.await("queue empty", () -> queue.size() == 0);

        QueueTestSupport.commit(queue, QueueTestSupport.envelope("alice@ours.example", "fw@ours.example"),
                QueueTestSupport.message("fw", "forwarded"));
        SchedulerTest.await("forward waiting for remote delivery", () -> queue.list().stream()
                .anyMatch(e -> e.queue().equals("deferred") && e.recipients().getFirst().address().equals("friend@remote.example")));
        assertEquals(2, inbox("bob@ours.example").size());
        assertEquals(1, queue.size());
    }
}
