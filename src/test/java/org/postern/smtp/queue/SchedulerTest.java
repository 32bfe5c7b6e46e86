package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.smtp.delivery.LocalDelivery;

class SchedulerTest {
    @TempDir
    Path dir;
    final FakeLocalDelivery local = new FakeLocalDelivery();
    DurableQueue q;

    static final String OURS = "ours.example";

    QueueConfig config(Duration lifetime, Duration delayWarning) {
        return QueueConfig.defaults("mx.ours.example")
                .withTimes(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(100), lifetime, lifetime, delayWarning);
    }

    DurableQueue start(QueueConfig cfg) throws IOException {
        q = DurableQueue.open(dir, cfg, Map.of("local", new LocalTransport(local)), d -> d.equals(OURS) || d.equals("mx." + OURS));
        q.start();
        return q;
    }

    @AfterEach
    void close() {
        if (q != null) {
            q.close();
        }
    }

    static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 15_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void localDeliveryRemovesTheMessage() throws Exception {
        start(config(Duration.ofDays(5), Duration.ZERO));
        String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "a@ours.example", "b@ours.example"),
                QueueTestSupport.message("hello", "body"));
        await("queue empty", () -> q.size() == 0);
        assertEquals(1, local.to("a@ours.example").size());
        assertEquals(1, local.to("b@ours.example").size());
        assertEquals(id, local.to("a@ours.example").getFirst().queueId());
        assertTrue(local.to("a@ours.example").getFirst().text().contains("Subject: hello"));
    }

    @Test
    void remoteRecipientsWaitDeferredAndBounceAtLifetime() throws Exception {
        start(config(Duration.ofSeconds(2), Duration.ZERO));
        String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", "far@remote.example"),
                QueueTestSupport.message("far", "body"));
        await("deferred", () -> q.list().stream().anyMatch(e -> e.id().equals(id) && e.queue().equals("deferred")));
        QueueAdmin.Entry e = q.list().getFirst();
        assertEquals(Qmgr.REMOTE_UNAVAILABLE, e.recipients().getFirst().reason());
        assertTrue(q.show(id).orElseThrow().attempts() >= 1);
        await("bounce to the sender", () -> !local.to("s@ours.example").isEmpty());
        await("queue empty", () -> q.size() == 0);
        FakeLocalDelivery.Delivered bounce = local.to("s@ours.example").getFirst();
        assertNull(bounce.sender(), "bounces come from <>");
        Dsn dsn = Dsn.parse(bounce.text());
        assertEquals("Undelivered Mail Returned to Sender", dsn.headers().get("subject"));
        assertTrue(dsn.parts().getFirst().body().contains("This is the mail system at host mx.ours.example."));
        assertTrue(dsn.parts().getFirst().body().contains("I'm sorry to have to inform you that your message could not"));
        assertEquals("dns; mx.ours.example", dsn.perMessage().get("reporting-mta"));
        assertEquals("envid-1", dsn.perMessage().get("original-envelope-id"));
        Map<String, String> r = dsn.perRecipient().getFirst();
        assertEquals("rfc822; far@remote.example", r.get("final-recipient"));
        assertEquals("rfc822;far@remote.example", r.get("original-recipient"));
        assertEquals("failed", r.get("action"));
        assertEquals("4.4.1", r.get("status"));
        assertTrue(r.get("diagnostic-code").contains("remote delivery is not available yet"));
        assertEquals("message/rfc822", dsn.parts().get(2).headers().get("content-type"));
        assertTrue(dsn.parts().get(2).body().contains("Subject: far"));
    }

    @Test
    void permanentFailureBouncesAtOnceWithHeadersWhenRetHdrs() throws Exception {
        local.outcome = a -> a.localPart().equals("gone") ? FakeLocalDelivery.fail(550, "5.1.1", "User unknown in virtual mailbox table")
                : FakeLocalDelivery.ok();
        start(config(Duration.ofDays(5), Duration.ZERO));
        QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", Set.of(), "HDRS", "gone@ours.example", "here@ours.example"),
                QueueTestSupport.message("x", "secret body"));
        await("bounce", () -> !local.to("s@ours.example").isEmpty());
        await("queue empty", () -> q.size() == 0);
        assertEquals(1, local.to("here@ours.example").size());
        Dsn dsn = Dsn.parse(local.to("s@ours.example").getFirst().text());
        assertEquals(1, dsn.perRecipient().size(), "only the failed recipient is reported");
        assertEquals("5.1.1", dsn.perRecipient().getFirst().get("status"));
        assertEquals("rfc822; gone@ours.example", dsn.perRecipient().getFirst().get("final-recipient"));
        assertEquals("text/rfc822-headers", dsn.parts().get(2).headers().get("content-type"));
        assertFalse(dsn.parts().get(2).body().contains("secret body"));
        assertTrue(dsn.parts().get(2).body().contains("Subject: x"));
    }

    @Test
    void notifyNeverSendsNothingAndNullSenderNeverGetsABounce() throws Exception {
        local.outcome = a -> a.localPart().startsWith("gone") ? FakeLocalDelivery.fail(550, "5.1.1", "User unknown")
                : FakeLocalDelivery.ok();
        start(config(Duration.ofDays(5), Duration.ZERO).withNotify(Set.of("resource", "software"), false, false));
        QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", Set.of(Envelope.Notify.NEVER), null, "gone@ours.example"),
                QueueTestSupport.message("n", "b"));
        QueueTestSupport.commit(q, QueueTestSupport.envelope(null, "gone2@ours.example"), QueueTestSupport.message("m", "b"));
        await("queue empty", () -> q.size() == 0);
        Thread.sleep(300);
        assertEquals(0, q.size());
        assertTrue(local.delivered.isEmpty(), "no bounce to anybody: " + local.delivered);
    }

    @Test
    void undeliverableBounceGoesToPostmasterAndNeverTripleBounces() throws Exception {
        local.outcome = a -> a.localPart().startsWith("gone") ? FakeLocalDelivery.fail(550, "5.1.1", "User unknown")
                : FakeLocalDelivery.ok();
        start(config(Duration.ofDays(5), Duration.ZERO));
        QueueTestSupport.commit(q, QueueTestSupport.envelope(null, "gone@ours.example"), QueueTestSupport.message("bounce", "b"));
        await("double bounce", () -> !local.to("postmaster@mx.ours.example").isEmpty());
        FakeLocalDelivery.Delivered d = local.to("postmaster@mx.ours.example").getFirst();
        assertEquals("double-bounce@mx.ours.example", d.sender().toString());
        Dsn dsn = Dsn.parse(d.text());
        assertEquals("failed", dsn.perRecipient().getFirst().get("action"));
        await("queue empty", () -> q.size() == 0);

        // the postmaster notice itself undeliverable: discarded, nothing more
        local.outcome = a -> FakeLocalDelivery.fail(550, "5.1.1", "User unknown");
        int before = local.delivered.size();
        QueueTestSupport.commit(q, QueueTestSupport.envelope(null, "gone3@ours.example"), QueueTestSupport.message("bounce2", "b"));
        await("queue empty", () -> q.size() == 0);
        assertEquals(before, local.delivered.size());
    }

    @Test
    void delayWarningOnceThenBounce() throws Exception {
        start(config(Duration.ofSeconds(3), Duration.ofMillis(500)));
        QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", "far@remote.example"), QueueTestSupport.message("d", "b"));
        await("delay warning", () -> !local.to("s@ours.example").isEmpty());
        Dsn warn = Dsn.parse(local.to("s@ours.example").getFirst().text());
        assertEquals("Delayed Mail (still being retried)", warn.headers().get("subject"));
        assertEquals("delayed", warn.perRecipient().getFirst().get("action"));
        assertTrue(warn.perRecipient().getFirst().containsKey("will-retry-until"));
        assertEquals("text/rfc822-headers", warn.parts().get(2).headers().get("content-type"));
        await("bounce", () -> local.to("s@ours.example").size() == 2);
        await("queue empty", () -> q.size() == 0);
        Thread.sleep(300);
        assertEquals(2, local.to("s@ours.example").size(), "one warning, one bounce");
        assertEquals("failed", Dsn.parse(local.to("s@ours.example").get(1).text()).perRecipient().getFirst().get("action"));
    }

    @Test
    void successNoticeForNotifySuccess() throws Exception {
        start(config(Duration.ofDays(5), Duration.ZERO));
        QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", Set.of(Envelope.Notify.SUCCESS), null, "a@ours.example"),
                QueueTestSupport.message("ok", "b"));
        await("success notice", () -> !local.to("s@ours.example").isEmpty());
        Dsn dsn = Dsn.parse(local.to("s@ours.example").getFirst().text());
        assertEquals("Successful Mail Delivery Report", dsn.headers().get("subject"));
        assertEquals("delivered", dsn.perRecipient().getFirst().get("action"));
        assertEquals("2.0.0", dsn.perRecipient().getFirst().get("status"));
    }

    @Test
    void forwardsAreQueuedAsANewMessageForRelay() throws Exception {
        local.outcome = a -> a.localPart().equals("alias")
                ? new LocalDelivery.Outcome(org.postern.core.Reply.of(250, "2.0.0", "Ok"), "delivered to maildir",
                List.of(Address.parse("friend@remote.example")))
                : FakeLocalDelivery.ok();
        start(config(Duration.ofDays(5), Duration.ZERO));
        String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "alias@ours.example"),
                QueueTestSupport.message("fw", "b"));
        await("forward deferred", () -> q.list().stream().anyMatch(e -> !e.id().equals(id) && e.queue().equals("deferred")));
        QueueAdmin.Entry fw = q.list().getFirst();
        assertEquals("friend@remote.example", fw.recipients().getFirst().address());
        assertEquals("s@remote.example", fw.sender());
        QueueAdmin.Details d = q.show(fw.id()).orElseThrow();
        assertEquals("rfc822;alias@ours.example", d.envelope().recipients().getFirst().orcpt());
        assertEquals("fw", Headers.value(d.headers(), "Subject"));
    }

    @Test
    void holdReleaseDeleteFlush() throws Exception {
        start(config(Duration.ofDays(5), Duration.ZERO).withTimes(Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(1),
                Duration.ofDays(5), Duration.ofDays(5), Duration.ZERO));
        String far = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "far@remote.example"),
                QueueTestSupport.message("a", "b"));
        await("deferred", () -> q.list().stream().anyMatch(e -> e.queue().equals("deferred")));
        assertEquals(1, q.hold(far));
        assertEquals("hold", q.list().getFirst().queue());
        assertEquals(0, q.flush(), "held mail is not flushed");
        assertEquals(1, q.release(far));
        await("deferred again", () -> q.list().stream().anyMatch(e -> e.queue().equals("deferred") && !e.running()));
        int attempts = q.show(far).orElseThrow().attempts();
        assertEquals(1, q.flush());
        await("flushed attempt", () -> {
            try {
                return q.show(far).orElseThrow().attempts() > attempts;
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals(0, q.delete("0000000000FFFF"));
        assertEquals(1, q.delete("ALL"));
        await("queue empty", () -> q.size() == 0);
        q.close();
        q = DurableQueue.open(dir, config(Duration.ofDays(5), Duration.ZERO), Map.of(), d -> false);
        assertEquals(0, q.size(), "deletion is on disk");
    }

    @Test
    void softBounceKeepsPermanentFailuresQueued() throws Exception {
        local.outcome = a -> FakeLocalDelivery.fail(550, "5.1.1", "User unknown");
        start(config(Duration.ofDays(5), Duration.ZERO).withNotify(Set.of("resource", "software", "2bounce"), false, true));
        String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", "gone@ours.example"), QueueTestSupport.message("sb", "b"));
        await("deferred", () -> q.list().stream().anyMatch(e -> e.id().equals(id) && e.queue().equals("deferred")));
        assertEquals("User unknown", q.list().getFirst().recipients().getFirst().reason());
        assertTrue(local.delivered.isEmpty(), "no bounce under soft_bounce");
    }

    @Test
    void softwareErrorDefersAndNotifiesThePostmasterOnce() throws Exception {
        local.outcome = a -> {
            if (a.localPart().equals("crash")) {
                throw new IllegalStateException("boom");
            }
            return FakeLocalDelivery.ok();
        };
        start(config(Duration.ofDays(5), Duration.ZERO));
        String id = QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", "crash@ours.example"), QueueTestSupport.message("c", "b"));
        await("postmaster notice", () -> !local.to("postmaster@mx.ours.example").isEmpty());
        await("deferred", () -> q.list().stream().anyMatch(e -> e.id().equals(id) && e.queue().equals("deferred")));
        Thread.sleep(800); // a few more attempts
        assertEquals(1, local.to("postmaster@mx.ours.example").size(), "one notice per message");
        Dsn dsn = Dsn.parse(local.to("postmaster@mx.ours.example").getFirst().text());
        assertEquals("Postmaster Warning: Delivery Problem", dsn.headers().get("subject"));
        assertEquals("delayed", dsn.perRecipient().getFirst().get("action"));
        assertTrue(local.to("s@ours.example").isEmpty(), "the sender hears nothing of it");
    }

    @Test
    void confirmDelayClearedTellsTheSenderAfterAWarning() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean fixed = new java.util.concurrent.atomic.AtomicBoolean();
        local.outcome = a -> a.localPart().equals("slow") && !fixed.get() ? FakeLocalDelivery.fail(452, "4.2.2", "Mailbox full")
                : FakeLocalDelivery.ok();
        start(config(Duration.ofDays(5), Duration.ofMillis(300)).withNotify(Set.of("resource", "software", "2bounce"), true, false));
        QueueTestSupport.commit(q, QueueTestSupport.envelope("s@ours.example", "slow@ours.example"), QueueTestSupport.message("dc", "b"));
        await("delay warning", () -> local.to("s@ours.example").size() == 1);
        fixed.set(true);
        await("cleared notice", () -> local.to("s@ours.example").size() == 2);
        Dsn cleared = Dsn.parse(local.to("s@ours.example").get(1).text());
        assertEquals("Successful Mail Delivery Report", cleared.headers().get("subject"));
        assertEquals("delivered", cleared.perRecipient().getFirst().get("action"));
        await("queue empty", () -> q.size() == 0);
    }

    @Test
    void localConcurrencyPerMailboxIsLimited() throws Exception {
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> now = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ConcurrentHashMap<String, Integer> max = new java.util.concurrent.ConcurrentHashMap<>();
        local.outcome = a -> {
            var c = now.computeIfAbsent(a.key(), k -> new java.util.concurrent.atomic.AtomicInteger());
            int v = c.incrementAndGet();
            max.merge(a.key(), v, Math::max);
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.decrementAndGet();
            return FakeLocalDelivery.ok();
        };
        start(QueueConfig.from(org.postern.core.config.Config.defaults(QueueSettings.all())
                        .with(Map.of(QueueSettings.LOCAL_DESTINATION_CONCURRENCY_LIMIT, "2")), "mx.ours.example")
                .withTimes(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(100), Duration.ofDays(5),
                        Duration.ofDays(5), Duration.ZERO));
        for (int i = 0; i < 20; i++) {
            QueueTestSupport.commit(q, QueueTestSupport.envelope("s@remote.example", "busy@ours.example", "u" + i + "@ours.example"),
                    QueueTestSupport.message("c" + i, "b"));
        }
        await("queue empty", () -> q.size() == 0);
        assertEquals(20, local.to("busy@ours.example").size());
        assertTrue(max.get("busy@ours.example") <= 2, "local_destination_concurrency_limit 2: " + max);
    }

    @Test
    void internationalizedMessagesGetGlobalReportTypes() throws Exception {
        local.outcome = a -> a.localPart().equals("gone") ? FakeLocalDelivery.fail(550, "5.1.1", "User unknown") : FakeLocalDelivery.ok();
        start(config(Duration.ofDays(5), Duration.ZERO));
        Envelope e = QueueTestSupport.envelope("s@ours.example", "gone@ours.example");
        Envelope utf8 = new Envelope(e.sender(), e.recipients(), null, null, "8BITMIME", true, e.client(), e.arrival(), false);
        QueueTestSupport.commit(q, utf8, "Subject: Grüße\r\nFrom: jörg@ours.example\r\n\r\nbody\r\n");
        await("bounce", () -> !local.to("s@ours.example").isEmpty());
        Dsn dsn = Dsn.parse(local.to("s@ours.example").getFirst().text());
        assertEquals("message/global-delivery-status", dsn.parts().get(1).headers().get("content-type"));
        assertEquals("message/global", dsn.parts().get(2).headers().get("content-type"));
        assertTrue(dsn.parts().get(2).body().contains("Subject: Grüße"));
    }

    @Test
    void backoffDoublesBetweenLimits() {
        QueueConfig cfg = QueueConfig.defaults("h");
        assertEquals(Duration.ofSeconds(300), Qmgr.backoff(Duration.ZERO, cfg));
        assertEquals(Duration.ofSeconds(300), Qmgr.backoff(Duration.ofSeconds(299), cfg));
        assertEquals(Duration.ofSeconds(600), Qmgr.backoff(Duration.ofSeconds(600), cfg));
        assertEquals(Duration.ofSeconds(4000), Qmgr.backoff(Duration.ofSeconds(4001), cfg));
        assertEquals(Duration.ofSeconds(4000), Qmgr.backoff(Duration.ofDays(3), cfg));
        // attempt times 0, 300, 600, 1200, 2400, 4800, 8800 ... : doubling until the maximum
        Duration age = Duration.ZERO;
        StringBuilder seq = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            age = age.plus(Qmgr.backoff(age, cfg));
            seq.append(age.toSeconds()).append(' ');
        }
        assertEquals("300 600 1200 2400 4800 8800 12800 ", seq.toString());
    }

    @Test
    void postfixStyleDelays() {
        assertEquals("0", Qmgr.secs(Duration.ofMillis(3)));
        assertEquals("0.1", Qmgr.secs(Duration.ofMillis(100)));
        assertEquals("0.14", Qmgr.secs(Duration.ofMillis(140)));
        assertEquals("2", Qmgr.secs(Duration.ofSeconds(2)));
        assertEquals("12.5", Qmgr.secs(Duration.ofMillis(12500)));
        assertEquals("1270", Qmgr.secs(Duration.ofSeconds(1270)));
    }
}
