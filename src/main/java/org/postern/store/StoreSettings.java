package org.postern.store;

import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/** Settings of the mailbox store: section [store]. */
public final class StoreSettings {
    private StoreSettings() {
    }

    private static final Setting.Group G = new Setting.Group("store");

    public static final Setting<String> MAIL_HOME = G.add("mail_home", SettingType.STRING, "mail/%d/%n",
            "mailbox home template (%d domain, %n local part, %u full address, lower-cased; Dovecot's mail_home); relative to the data directory; the Maildir is the home itself. Messages are always fsynced (Dovecot's mail_fsync = always)");

    public static final Setting<Long> QUOTA_DEFAULT = G.add("quota_default", SettingType.SIZE, "0",
            "mailbox quota in bytes for users whose directory entry sets none (like Dovecot's quota_rule = *:storage=...); 0 is unlimited");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
