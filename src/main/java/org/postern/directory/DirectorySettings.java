package org.postern.directory;

import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/** Settings of the directory (domains, users, aliases, credentials): section [directory]. */
public final class DirectorySettings {
    private DirectorySettings() {
    }

    private static final Setting.Group G = new Setting.Group("directory");

    public static final Setting<String> URL = G.add("url", SettingType.STRING, "jdbc:sqlite:directory.db",
            "JDBC URL of the directory database (sqlite, mariadb or postgresql); relative sqlite paths are under the data directory");
    public static final Setting<String> USER = G.add("user", SettingType.STRING, "", "database user name");
    public static final Setting<String> PASSWORD = G.add("password", SettingType.STRING, "", "database password (never logged)");
    public static final Setting<String> RECIPIENT_DELIMITER = G.add("recipient_delimiter", SettingType.STRING, "+",
            "characters that separate a local part from its extension (user+tag@domain); each character is a delimiter; empty disables");
    public static final Setting<String> DEFAULT_PASS_SCHEME = G.add("default_pass_scheme", SettingType.STRING, "SHA512-CRYPT",
            "scheme assumed for stored hashes without a {SCHEME} prefix (Dovecot's default_pass_scheme)");
    public static final Setting<String> PASS_SCHEME = G.add("pass_scheme", SettingType.STRING, "ARGON2ID",
            "scheme used for new password hashes");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
