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
            "mailbox home template (%d domain, %n local part, %u full address); relative to the data directory; the Maildir is the home itself");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
