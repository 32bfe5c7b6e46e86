package org.postern.smtp.queue;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.postern.core.Address;
import org.postern.core.config.Config;

/**
 * The queue's typed configuration (see {@link QueueSettings} for the meaning of each value).
 * Built from the config file with {@link #from}; tests may build one directly with short times.
 *
 * @param myhostname this host's name (Reporting-MTA, "This is the mail system at host ...")
 * @param myorigin   domain that qualifies bare names such as "postmaster"
 */
public record QueueConfig(String myhostname, String myorigin, boolean groupCommit,
                          Duration minimalBackoff, Duration maximalBackoff, Duration queueRunDelay,
                          Duration maximalQueueLifetime, Duration bounceQueueLifetime, Duration delayWarningTime,
                          boolean confirmDelayCleared, Set<String> notifyClasses, boolean softBounce,
                          int defaultDestinationConcurrency, int localDestinationConcurrency, int processLimit,
                          int activeLimit, long bounceSizeLimit, String doubleBounceSender, String bounceNoticeRecipient,
                          String twoBounceNoticeRecipient, String delayNoticeRecipient, String errorNoticeRecipient) {

    public QueueConfig {
        notifyClasses = Set.copyOf(notifyClasses);
        if (minimalBackoff.compareTo(maximalBackoff) > 0) {
            maximalBackoff = minimalBackoff;
        }
        if (myorigin == null || myorigin.isBlank()) {
            myorigin = myhostname;
        }
    }

    public static QueueConfig from(Config c, String myhostname) {
        return from(c, myhostname, null);
    }

    /**
     * @param primaryDomain used as myorigin when {@code [queue] myorigin} is empty (e.g. the first
     *                      domain of the directory, so "postmaster" means a real mailbox); null: myhostname
     */
    public static QueueConfig from(Config c, String myhostname, String primaryDomain) {
        validate(c);
        String origin = c.get(QueueSettings.MYORIGIN);
        if (origin.isBlank() && primaryDomain != null && !primaryDomain.isBlank()) {
            origin = primaryDomain;
        }
        return new QueueConfig(myhostname, origin, c.get(QueueSettings.GROUP_COMMIT),
                c.get(QueueSettings.MINIMAL_BACKOFF_TIME), c.get(QueueSettings.MAXIMAL_BACKOFF_TIME),
                c.get(QueueSettings.QUEUE_RUN_DELAY), c.get(QueueSettings.MAXIMAL_QUEUE_LIFETIME),
                c.get(QueueSettings.BOUNCE_QUEUE_LIFETIME), c.get(QueueSettings.DELAY_WARNING_TIME),
                c.get(QueueSettings.CONFIRM_DELAY_CLEARED),
                c.get(QueueSettings.NOTIFY_CLASSES).stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toSet()),
                c.get(QueueSettings.SOFT_BOUNCE), positive(c.get(QueueSettings.DEFAULT_DESTINATION_CONCURRENCY_LIMIT)),
                positive(c.get(QueueSettings.LOCAL_DESTINATION_CONCURRENCY_LIMIT)), positive(c.get(QueueSettings.DEFAULT_PROCESS_LIMIT)),
                positive(c.get(QueueSettings.QMGR_MESSAGE_ACTIVE_LIMIT)), c.get(QueueSettings.BOUNCE_SIZE_LIMIT),
                c.get(QueueSettings.DOUBLE_BOUNCE_SENDER), c.get(QueueSettings.BOUNCE_NOTICE_RECIPIENT),
                c.get(QueueSettings.TWO_BOUNCE_NOTICE_RECIPIENT), c.get(QueueSettings.DELAY_NOTICE_RECIPIENT),
                c.get(QueueSettings.ERROR_NOTICE_RECIPIENT));
    }

    /** Postfix's notify_classes; policy, protocol and data concern smtpd and are accepted for compatibility. */
    static final Set<String> NOTIFY_CLASSES = Set.of("bounce", "2bounce", "delay", "resource", "software", "policy", "protocol", "data");

    /**
     * Checks what the types cannot.
     *
     * @throws org.postern.core.config.SettingException naming the setting at fault
     */
    public static void validate(Config c) {
        for (String k : c.get(QueueSettings.NOTIFY_CLASSES)) {
            String v = k.strip().toLowerCase(Locale.ROOT);
            if (!v.isEmpty() && !NOTIFY_CLASSES.contains(v)) {
                throw new org.postern.core.config.SettingException(QueueSettings.NOTIFY_CLASSES, "unknown class '" + k
                        + "' (use bounce, 2bounce, delay, resource, software)");
            }
        }
        for (var s : java.util.List.of(QueueSettings.MINIMAL_BACKOFF_TIME, QueueSettings.MAXIMAL_BACKOFF_TIME,
                QueueSettings.QUEUE_RUN_DELAY, QueueSettings.MAXIMAL_QUEUE_LIFETIME, QueueSettings.BOUNCE_QUEUE_LIFETIME)) {
            if (c.get(s).isZero() || c.get(s).isNegative()) {
                throw new org.postern.core.config.SettingException(s, "must be more than 0");
            }
        }
        for (var s : java.util.List.of(QueueSettings.DOUBLE_BOUNCE_SENDER, QueueSettings.BOUNCE_NOTICE_RECIPIENT,
                QueueSettings.TWO_BOUNCE_NOTICE_RECIPIENT, QueueSettings.DELAY_NOTICE_RECIPIENT, QueueSettings.ERROR_NOTICE_RECIPIENT)) {
            String v = c.get(s);
            try {
                Address.parse(v.indexOf('@') >= 0 ? v : v + "@example.org");
            } catch (IllegalArgumentException e) {
                throw new org.postern.core.config.SettingException(s, "not an address or local name: '" + v + "'");
            }
        }
        String origin = c.get(QueueSettings.MYORIGIN);
        if (!origin.isBlank()) {
            try {
                Address.normaliseDomain(origin);
            } catch (IllegalArgumentException e) {
                throw new org.postern.core.config.SettingException(QueueSettings.MYORIGIN, "not a domain: '" + origin + "'");
            }
        }
    }

    /** Postfix's defaults for the given host name (group commit on). */
    public static QueueConfig defaults(String myhostname) {
        return from(Config.defaults(QueueSettings.all()), myhostname);
    }

    private static int positive(int v) {
        return Math.max(1, v);
    }

    public boolean notify(String klass) {
        return notifyClasses.contains(klass);
    }

    /** A bare name ("postmaster") qualified with myorigin; a full address is parsed as is. */
    public Address qualify(String name) {
        return Address.parse(name.indexOf('@') >= 0 ? name : name + "@" + myorigin);
    }

    public Address doubleBounceAddress() {
        return qualify(doubleBounceSender);
    }

    /** The visible From: of notifications, "MAILER-DAEMON@myhostname". */
    public String mailerDaemon() {
        return "MAILER-DAEMON@" + myhostname;
    }

    /** The same configuration with other times (tests, benchmarks). */
    public QueueConfig withTimes(Duration minBackoff, Duration maxBackoff, Duration runDelay, Duration lifetime,
                                 Duration bounceLifetime, Duration delayWarning) {
        return new QueueConfig(myhostname, myorigin, groupCommit, minBackoff, maxBackoff, runDelay, lifetime, bounceLifetime,
                delayWarning, confirmDelayCleared, notifyClasses, softBounce, defaultDestinationConcurrency,
                localDestinationConcurrency, processLimit, activeLimit, bounceSizeLimit, doubleBounceSender,
                bounceNoticeRecipient, twoBounceNoticeRecipient, delayNoticeRecipient, errorNoticeRecipient);
    }

    public QueueConfig withGroupCommit(boolean on) {
        return new QueueConfig(myhostname, myorigin, on, minimalBackoff, maximalBackoff, queueRunDelay, maximalQueueLifetime,
                bounceQueueLifetime, delayWarningTime, confirmDelayCleared, notifyClasses, softBounce,
                defaultDestinationConcurrency, localDestinationConcurrency, processLimit, activeLimit, bounceSizeLimit,
                doubleBounceSender, bounceNoticeRecipient, twoBounceNoticeRecipient, delayNoticeRecipient, errorNoticeRecipient);
    }

    public QueueConfig withNotify(Set<String> classes, boolean confirmCleared, boolean soft) {
        return new QueueConfig(myhostname, myorigin, groupCommit, minimalBackoff, maximalBackoff, queueRunDelay,
                maximalQueueLifetime, bounceQueueLifetime, delayWarningTime, confirmCleared, classes, soft,
                defaultDestinationConcurrency, localDestinationConcurrency, processLimit, activeLimit, bounceSizeLimit,
                doubleBounceSender, bounceNoticeRecipient, twoBounceNoticeRecipient, delayNoticeRecipient, errorNoticeRecipient);
    }
}
