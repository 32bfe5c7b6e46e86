package org.postern.smtp;

import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/** Settings of the inbound SMTP server (Postfix smtpd names): section [smtpd]. */
public final class SmtpSettings {
    private SmtpSettings() {
    }

    private static final Setting.Group G = new Setting.Group("smtpd");

    public static final Setting<Long> MESSAGE_SIZE_LIMIT = G.add("message_size_limit", SettingType.SIZE, "52428800",
            "largest message accepted, in bytes (advertised in EHLO SIZE, enforced while streaming)");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
