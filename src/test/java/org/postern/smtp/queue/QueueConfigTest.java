package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;

class QueueConfigTest {
    static Config with(Map<Setting<?>, String> values) {
        return Config.defaults(QueueSettings.all()).with(values);
    }

    @Test
    void postfixDefaults() {
        QueueConfig c = QueueConfig.from(Config.defaults(QueueSettings.all()), "mx.example.org");
        assertEquals(Duration.ofSeconds(300), c.minimalBackoff());
        assertEquals(Duration.ofSeconds(4000), c.maximalBackoff());
        assertEquals(Duration.ofSeconds(300), c.queueRunDelay());
        assertEquals(Duration.ofDays(5), c.maximalQueueLifetime());
        assertEquals(Duration.ofDays(5), c.bounceQueueLifetime());
        assertTrue(c.delayWarningTime().isZero());
        assertEquals(20, c.defaultDestinationConcurrency());
        assertEquals(20, c.localDestinationConcurrency()); // not local(8)'s 2: see QueueSettings
        assertEquals(Set.of("resource", "software", "2bounce"), c.notifyClasses());
        assertEquals("postmaster@mx.example.org", c.qualify(c.twoBounceNoticeRecipient()).toString());
        assertEquals("double-bounce@mx.example.org", c.doubleBounceAddress().toString());
    }

    @Test
    void primaryDomainQualifiesPostmasterUnlessMyoriginIsSet() {
        Config d = Config.defaults(QueueSettings.all());
        assertEquals("postmaster@example.org", QueueConfig.from(d, "mx.example.org", "example.org").qualify("postmaster").toString());
        Config o = with(Map.of(QueueSettings.MYORIGIN, "other.example"));
        assertEquals("postmaster@other.example", QueueConfig.from(o, "mx.example.org", "example.org").qualify("postmaster").toString());
    }

    @Test
    void badValuesNameTheKey() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> QueueConfig.from(with(Map.of(QueueSettings.NOTIFY_CLASSES, "bounce, bouncy")), "h"));
        assertTrue(e.getMessage().startsWith("queue.notify_classes: unknown class 'bouncy'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QueueConfig.from(with(Map.of(QueueSettings.QUEUE_RUN_DELAY, "0")), "h"));
        assertEquals("queue.queue_run_delay: must be more than 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QueueConfig.from(with(Map.of(QueueSettings.MYORIGIN, "a..b")), "h"));
        assertTrue(e.getMessage().startsWith("queue.myorigin:"), e.getMessage());
    }
}
