package org.postern.smtp.queue;

import java.time.Duration;
import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/**
 * Settings of the queue, the scheduler (qmgr) and bounces (Postfix names): section [queue].
 * Defaults are Postfix's except where noted in the description.
 */
public final class QueueSettings {
    private QueueSettings() {
    }

    private static final Setting.Group G = new Setting.Group("queue");

    public static final Setting<String> QUEUE_DIRECTORY = G.add("queue_directory", SettingType.STRING, "spool",
            "queue (spool) directory, relative to the data directory");
    public static final Setting<Boolean> GROUP_COMMIT = G.add("queue_group_commit", SettingType.BOOL, "yes",
            "cover many sessions' commits with one directory fsync (no reply goes out before the fsync that covers it); "
                    + "no: one directory fsync per message");
    public static final Setting<Duration> MINIMAL_BACKOFF_TIME = G.add("minimal_backoff_time", SettingType.DURATION, "300s",
            "minimal time between delivery attempts of a deferred message");
    public static final Setting<Duration> MAXIMAL_BACKOFF_TIME = G.add("maximal_backoff_time", SettingType.DURATION, "4000s",
            "maximal time between delivery attempts of a deferred message");
    public static final Setting<Duration> QUEUE_RUN_DELAY = G.add("queue_run_delay", SettingType.DURATION, "300s",
            "how often the deferred queue is scanned for messages whose retry time has come");
    public static final Setting<Duration> MAXIMAL_QUEUE_LIFETIME = G.add("maximal_queue_lifetime", SettingType.DURATION, "5d",
            "how long an undeliverable message stays queued before it is returned to the sender");
    public static final Setting<Duration> BOUNCE_QUEUE_LIFETIME = G.add("bounce_queue_lifetime", SettingType.DURATION, "5d",
            "how long an undeliverable bounce (null sender) stays queued before it is given up");
    public static final Setting<Duration> DELAY_WARNING_TIME = G.add("delay_warning_time", SettingType.DURATION, "0h",
            "send a 'delayed mail' warning after a message is this old (0: never; Postfix's default; the seed 003 uses 2h)");
    public static final Setting<Boolean> CONFIRM_DELAY_CLEARED = G.add("confirm_delay_cleared", SettingType.BOOL, "no",
            "after a delay warning, tell the sender when the message was delivered after all");
    public static final Setting<List<String>> NOTIFY_CLASSES = G.add("notify_classes", SettingType.LIST, "resource, software, 2bounce",
            "problems reported to the postmaster: bounce, 2bounce, delay, resource, software (Postfix's default is "
                    + "'resource, software'; Postern adds 2bounce so undeliverable bounces reach the postmaster)");
    public static final Setting<Boolean> SOFT_BOUNCE = G.add("soft_bounce", SettingType.BOOL, "no",
            "safety net: turn permanent delivery failures into temporary ones (mail stays queued)");
    public static final Setting<Integer> DEFAULT_DESTINATION_CONCURRENCY_LIMIT = G.add("default_destination_concurrency_limit",
            SettingType.INT, "20", "parallel deliveries to one destination (a domain for remote delivery)");
    public static final Setting<Integer> LOCAL_DESTINATION_CONCURRENCY_LIMIT = G.add("local_destination_concurrency_limit",
            SettingType.INT, "20",
            "parallel local deliveries to one mailbox (the Maildir store group-commits and locks its UID list, so unlike Postfix's mbox-oriented local(8) default of 2, the virtual(8)-like 20 is safe)");
    public static final Setting<Integer> DEFAULT_PROCESS_LIMIT = G.add("default_process_limit", SettingType.INT, "100",
            "most deliveries in progress at once, all transports together");
    public static final Setting<Integer> QMGR_MESSAGE_ACTIVE_LIMIT = G.add("qmgr_message_active_limit", SettingType.INT, "20000",
            "most messages in the active queue (being delivered or waiting for a delivery slot)");
    public static final Setting<Long> BOUNCE_SIZE_LIMIT = G.add("bounce_size_limit", SettingType.SIZE, "50000",
            "largest original message returned whole in a bounce; larger ones return only their headers");
    public static final Setting<String> MYORIGIN = G.add("myorigin", SettingType.STRING, "",
            "domain that qualifies bare names such as 'postmaster' and MAILER-DAEMON (empty: myhostname); "
                    + "set it to your primary domain so postmaster notices reach a real mailbox");
    public static final Setting<String> DOUBLE_BOUNCE_SENDER = G.add("double_bounce_sender", SettingType.STRING, "double-bounce",
            "sender of postmaster notices; mail to it that cannot be delivered is discarded (no triple bounce)");
    public static final Setting<String> BOUNCE_NOTICE_RECIPIENT = G.add("bounce_notice_recipient", SettingType.STRING, "postmaster",
            "who gets postmaster copies of bounces (notify_classes = bounce)");
    public static final Setting<String> TWO_BOUNCE_NOTICE_RECIPIENT = G.add("2bounce_notice_recipient", SettingType.STRING, "postmaster",
            "who gets undeliverable bounces (notify_classes = 2bounce)");
    public static final Setting<String> DELAY_NOTICE_RECIPIENT = G.add("delay_notice_recipient", SettingType.STRING, "postmaster",
            "who gets postmaster copies of delay warnings (notify_classes = delay)");
    public static final Setting<String> ERROR_NOTICE_RECIPIENT = G.add("error_notice_recipient", SettingType.STRING, "postmaster",
            "who gets resource and software error notices (notify_classes = resource, software)");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
