package org.postern.smtp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;
import org.postern.directory.Directory;
import org.postern.store.MailStore;
import org.postern.store.MaildirStore;

/** The agent over the real Maildir store (temp dir) and an in-memory directory (pure resolution logic). */
class LocalDeliveryAgentTest {
    @TempDir
    Path data;

    MaildirStore store;
    FakeDirectory dir;

    static Address a(String s) {
        return Address.parse(s);
    }

    /** In-memory directory: address key -> resolution; can simulate an outage. */
    static final class FakeDirectory implements Directory {
        final Map<String, Resolution> map = new HashMap<>();
        volatile boolean down;

        void mailbox(String addr, Long quota) {
            map.put(a(addr).key(), new Resolution(List.of(new Mailbox(a(addr), quota)), List.of(), null, List.of()));
        }

        void alias(String addr, List<Mailbox> boxes, List<Address> forwards) {
            map.put(a(addr).key(), new Resolution(boxes, forwards, null, List.of(addr + " -> ...")));
        }

        public boolean isLocalDomain(String domain) {
            return domain.equals("example.org");
        }

        public Resolution resolve(Address address) {
            if (down) {
                throw new DirectoryUnavailableException("connection refused", null);
            }
            return map.getOrDefault(address.key(), Resolution.notFound("no such user", List.of()));
        }

        public Optional<Mailbox> mailbox(Address address) {
            return Optional.empty();
        }

        public Optional<String> passwordHash(String login) {
            return Optional.empty();
        }

        public void close() {
        }
    }

    static MessageSource msg(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return new MessageSource() {
            public InputStream open() {
                return new java.io.ByteArrayInputStream(b);
            }

            public long size() {
                return b.length;
            }
        };
    }

    static final MessageSource HELLO = msg("From: x@example.com\r\nSubject: hello\r\n\r\nHi.\r\n");

    @BeforeEach
    void setUp() {
        store = new MaildirStore(data, "mail/%d/%n", "mx.example.org");
        dir = new FakeDirectory();
        dir.mailbox("bob@example.org", null);
        dir.mailbox("alice@example.org", null);
    }

    List<Path> inbox(String addr) throws IOException {
        Path n = store.home(a(addr)).resolve("new");
        if (!Files.isDirectory(n)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(n)) {
            return s.toList();
        }
    }

    @Test
    void deliversToAMailbox() throws IOException {
        LocalDeliveryAgent agent = new LocalDeliveryAgent(dir, store);
        LocalDelivery.Outcome o = agent.deliver(a("Bob@example.org"), a("x@example.com"), HELLO, "4ABC");
        assertEquals("250 2.0.0 Ok: delivered to maildir", o.reply().oneLine());
        assertEquals("delivered to maildir", o.detail());
        assertTrue(o.forwards().isEmpty());
        List<Path> files = inbox("bob@example.org");
        assertEquals(1, files.size());
        assertTrue(Files.readString(files.getFirst()).startsWith("Return-Path: <x@example.com>\nDelivered-To: bob@example.org\nFrom:"));
        // the null sender
        agent.deliver(a("bob@example.org"), null, HELLO, "4ABD");
        assertTrue(inbox("bob@example.org").stream().anyMatch(p -> {
            try {
                return Files.readString(p).startsWith("Return-Path: <>\n");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }));
    }

    @Test
    void unknownUserIsPermanent() {
        LocalDelivery.Outcome o = new LocalDeliveryAgent(dir, store).deliver(a("nobody@example.org"), a("x@example.com"), HELLO, "Q1");
        assertEquals("550 5.1.1 User unknown", o.reply().oneLine());
        assertEquals("unknown user: \"nobody@example.org\"", o.detail());
    }

    @Test
    void directoryOutageIsTemporary() {
        dir.down = true;
        LocalDelivery.Outcome o = new LocalDeliveryAgent(dir, store).deliver(a("bob@example.org"), a("x@example.com"), HELLO, "Q1");
        assertEquals(451, o.reply().code());
        assertEquals("4.3.0", o.reply().status().toString());
        assertTrue(o.detail().contains("connection refused"), o.detail());
    }

    @Test
    void eachMailboxOnceAndForwardsReturned() throws IOException {
        Directory.Mailbox bob = new Directory.Mailbox(a("bob@example.org"), null);
        Directory.Mailbox alice = new Directory.Mailbox(a("alice@example.org"), null);
        // sales -> bob, team -> (bob, alice), so sales+team reaches bob by two paths
        dir.alias("all@example.org", List.of(bob, alice, new Directory.Mailbox(a("BOB@example.org"), null)), List.of(a("carol@remote.example")));
        LocalDelivery.Outcome o = new LocalDeliveryAgent(dir, store).deliver(a("all@example.org"), a("x@example.com"), HELLO, "Q2");
        assertEquals(250, o.reply().code());
        assertEquals(List.of(a("carol@remote.example")), o.forwards());
        assertEquals(1, inbox("bob@example.org").size());
        assertEquals(1, inbox("alice@example.org").size());

        dir.alias("out@example.org", List.of(), List.of(a("carol@remote.example"), a("dave@remote.example")));
        LocalDelivery.Outcome f = new LocalDeliveryAgent(dir, store).deliver(a("out@example.org"), null, HELLO, "Q3");
        assertEquals(250, f.reply().code());
        assertEquals(2, f.forwards().size());
        assertEquals("forwarded to 2 addresses", f.detail());
    }

    @Test
    void quotaFromDirectoryOrDefault() throws IOException {
        dir.mailbox("small@example.org", 50L);
        LocalDelivery.Outcome o = new LocalDeliveryAgent(dir, store).deliver(a("small@example.org"), a("x@example.com"), HELLO, "Q4");
        assertEquals("552 5.2.2 Mailbox full", o.reply().oneLine());
        assertTrue(inbox("small@example.org").isEmpty());
        // no quota in the directory: quota_default applies
        LocalDeliveryAgent withDefault = new LocalDeliveryAgent(dir, store, 50);
        assertEquals(552, withDefault.deliver(a("bob@example.org"), a("x@example.com"), HELLO, "Q5").reply().code());
        assertEquals(250, new LocalDeliveryAgent(dir, store, 0).deliver(a("bob@example.org"), a("x@example.com"), HELLO, "Q6").reply().code());
    }

    @Test
    void partialTemporaryFailureRetriesWithoutDuplicates() throws IOException {
        Set<String> failing = ConcurrentHashMap.newKeySet();
        failing.add("alice@example.org");
        MailStore flaky = new MailStore() {
            public Result deliver(Request r) {
                if (failing.contains(r.mailbox().key())) {
                    return Result.failed(Reply.of(452, "4.3.1", "Insufficient system storage"), "maildir delivery failed: disk full");
                }
                return store.deliver(r);
            }

            public long usage(Address mailbox) {
                return store.usage(mailbox);
            }

            public void addListener(DeliveryListener l) {
            }

            public void removeListener(DeliveryListener l) {
            }
        };
        dir.alias("team@example.org", List.of(new Directory.Mailbox(a("bob@example.org"), null),
                new Directory.Mailbox(a("alice@example.org"), null)), List.of(a("carol@remote.example")));
        LocalDeliveryAgent agent = new LocalDeliveryAgent(dir, flaky);
        LocalDelivery.Outcome first = agent.deliver(a("team@example.org"), a("x@example.com"), HELLO, "Q7");
        assertEquals("452 4.3.1 Insufficient system storage", first.reply().oneLine());
        assertEquals("maildir delivery failed: disk full (mailbox alice@example.org)", first.detail());
        assertTrue(first.forwards().isEmpty(), "forwards only with success: the retry returns them");
        assertEquals(1, inbox("bob@example.org").size());

        failing.clear();
        LocalDelivery.Outcome retry = agent.deliver(a("team@example.org"), a("x@example.com"), HELLO, "Q7");
        assertEquals(250, retry.reply().code());
        assertEquals(List.of(a("carol@remote.example")), retry.forwards());
        assertEquals(1, inbox("bob@example.org").size(), "bob is not delivered twice");
        assertEquals(1, inbox("alice@example.org").size());
    }

    @Test
    void mailLoopIsRefused() throws IOException {
        MessageSource looped = msg("Received: from a\r\nDelivered-To:\r\n  BOB@example.org\r\nSubject: again\r\n\r\nDelivered-To: alice@example.org\r\n");
        LocalDeliveryAgent agent = new LocalDeliveryAgent(dir, store);
        LocalDelivery.Outcome o = agent.deliver(a("bob@example.org"), a("x@example.com"), looped, "Q8");
        assertEquals("554 5.4.6 Mail forwarding loop", o.reply().oneLine());
        assertEquals("mail forwarding loop for bob@example.org", o.detail());
        assertTrue(inbox("bob@example.org").isEmpty());
        // a Delivered-To line in the body does not count
        assertEquals(250, agent.deliver(a("alice@example.org"), a("x@example.com"), looped, "Q9").reply().code());
    }

    @Test
    void postfixLogLine() {
        LocalDelivery.Outcome ok = new LocalDelivery.Outcome(Reply.of(250, "2.0.0", "Ok"), "delivered to maildir", List.of());
        assertEquals("3F2A1C: to=<bob@example.org>, orig_to=<sales@example.org>, relay=local, delay=0.12, dsn=2.0.0, status=sent (delivered to maildir)",
                LocalDeliveryAgent.logLine("3F2A1C", a("bob@example.org"), a("sales@example.org"), "local", Duration.ofMillis(123), ok));
        LocalDelivery.Outcome full = new LocalDelivery.Outcome(Reply.of(552, "5.2.2", "Mailbox full"), "mailbox full: quota exceeded for bob@example.org", List.of());
        assertEquals("3F2A1C: to=<bob@example.org>, relay=local, delay=14, dsn=5.2.2, status=bounced (mailbox full: quota exceeded for bob@example.org)",
                LocalDeliveryAgent.logLine("3F2A1C", a("bob@example.org"), a("bob@example.org"), "local", Duration.ofMillis(14_200), full));
        assertEquals("1.3", LocalDeliveryAgent.formatDelay(Duration.ofMillis(1_310)));
        assertEquals("0", LocalDeliveryAgent.formatDelay(Duration.ZERO));
    }
}
