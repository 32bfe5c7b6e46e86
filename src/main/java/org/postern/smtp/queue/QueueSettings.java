package org.postern.smtp.queue;

import java.time.Duration;
import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/** Settings of the queue and scheduler (Postfix names): section [queue]. */
public final class QueueSettings {
    private QueueSettings() {
    }

    private static final Setting.Group G = new Setting.Group("queue");

    public static final Setting<String> QUEUE_DIRECTORY = G.add("queue_directory", SettingType.STRING, "spool",
            "queue (spool) directory, relative to the data directory");
    public static final Setting<Duration> MINIMAL_BACKOFF_TIME = G.add("minimal_backoff_time", SettingType.DURATION, "300s",
            "minimal time between delivery attempts of a deferred message");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
