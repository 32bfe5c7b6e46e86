package org.postern.directory;

import java.time.Duration;
import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/**
 * Settings of the directory (domains, users, aliases, credentials): section [directory].
 *
 * <p>The four queries follow Postfix's {@code mysql:} map files (seed 001 §8.1) and Dovecot's
 * {@code password_query}: the defaults are the seed's queries, so a database made with the
 * seed's SQL works unchanged. Placeholders become PreparedStatement parameters (never string
 * concatenation); quotes around them (as in {@code '%s'}) are allowed and dropped.
 */
public final class DirectorySettings {
    private DirectorySettings() {
    }

    private static final Setting.Group G = new Setting.Group("directory");

    /** A JDBC URL of a supported database; checked when the file is loaded. */
    private static final SettingType<String> JDBC_URL = new SettingType<>() {
        public String parse(String t) {
            SqlDialect.of(t.strip());
            return t.strip();
        }

        public String describe() {
            return "JDBC URL (jdbc:sqlite:, jdbc:mariadb:, jdbc:postgresql:)";
        }
    };

    private static SettingType<String> query(MapQuery.Style style) {
        return new SettingType<>() {
            public String parse(String t) {
                MapQuery.compile(null, t, style);
                return t;
            }

            public String describe() {
                return style == MapQuery.Style.POSTFIX ? "SQL query (%s, %u, %d)" : "SQL query (%u, %n, %d)";
            }
        };
    }

    private static final SettingType<String> HASH_SCHEME = new SettingType<>() {
        public String parse(String t) {
            String s = t.strip();
            var hashable = org.postern.directory.password.Passwords.hashableSchemes();
            if (!hashable.contains(s.toUpperCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("'" + s + "' cannot make new hashes (use one of " + String.join(", ", hashable) + ")");
            }
            return s;
        }

        public String describe() {
            return "password scheme";
        }
    };

    private static final SettingType<String> SCHEME = new SettingType<>() {
        public String parse(String t) {
            String s = t.strip();
            if (!org.postern.directory.password.Passwords.isKnown(s)) {
                throw new IllegalArgumentException("unknown password scheme '" + s + "' (known: "
                        + String.join(", ", org.postern.directory.password.Passwords.hashableSchemes()) + ")");
            }
            return s;
        }

        public String describe() {
            return "password scheme";
        }
    };

    public static final Setting<String> URL = G.add("url", JDBC_URL, "jdbc:sqlite:directory.db",
            "JDBC URL of the directory database (sqlite, mariadb or postgresql); relative sqlite paths are under the data directory");
    public static final Setting<String> USER = G.add("user", SettingType.STRING, "", "database user name");
    public static final Setting<String> PASSWORD = G.add("password", SettingType.STRING, "", "database password (never logged)");
    public static final Setting<String> SCHEMA = G.add("schema", SettingType.oneOf("postern", "foreign"), "postern",
            "postern: Postern owns the tables and migrates them; foreign: an existing database in the seed schema (virtual_domains/users/aliases), never altered");
    public static final Setting<String> RECIPIENT_DELIMITER = G.add("recipient_delimiter", SettingType.STRING, "+",
            "characters that separate a local part from its extension (user+tag@domain); each character is a delimiter; empty disables");
    public static final Setting<String> DEFAULT_PASS_SCHEME = G.add("default_pass_scheme", SCHEME, "SHA512-CRYPT",
            "scheme assumed for stored hashes without a {SCHEME} prefix (Dovecot's default_pass_scheme)");
    public static final Setting<String> PASS_SCHEME = G.add("pass_scheme", HASH_SCHEME, "ARGON2ID",
            "scheme used for new password hashes");

    public static final Setting<String> DOMAIN_QUERY = G.add("domain_query", query(MapQuery.Style.POSTFIX),
            "SELECT 1 FROM virtual_domains WHERE name='%s'",
            "virtual_mailbox_domains query: a row means the domain is ours (%s domain)");
    public static final Setting<String> MAILBOX_QUERY = G.add("mailbox_query", query(MapQuery.Style.POSTFIX),
            "SELECT 1 FROM virtual_users WHERE email='%s'",
            "virtual_mailbox_maps query: a row means the mailbox exists (%s address, %u local part, %d domain); a column named quota_bytes gives its quota; with schema=postern and this default, disabled users are excluded and quota_bytes is read");
    public static final Setting<String> ALIAS_QUERY = G.add("alias_query", query(MapQuery.Style.POSTFIX),
            "SELECT destination FROM virtual_aliases WHERE source='%s'",
            "virtual_alias_maps query: each row's first column holds one or more comma/space-separated targets (%s address or @domain, %u, %d)");
    public static final Setting<String> PASSWORD_QUERY = G.add("password_query", query(MapQuery.Style.DOVECOT),
            "SELECT email AS user, password FROM virtual_users WHERE email='%u'",
            "Dovecot password_query: the column named password holds the hash (Dovecot variables: %u full login, %n local part, %d domain)");

    public static final Setting<Duration> CACHE_TTL = G.add("cache_ttl", SettingType.DURATION, "60s",
            "how long lookup results are cached (like proxymap); writes through Postern invalidate at once; 0 disables");
    public static final Setting<Integer> CACHE_SIZE = G.add("cache_size", SettingType.INT, "10000",
            "maximum number of cached lookup results");
    public static final Setting<Integer> POOL_SIZE = G.add("pool_size", SettingType.INT, "8",
            "maximum number of pooled database connections");
    public static final Setting<Duration> CONNECT_TIMEOUT = G.add("connect_timeout", SettingType.DURATION, "5s",
            "how long a lookup waits for a database connection before the directory counts as unavailable (451 4.3.0)");
    public static final Setting<Integer> RECURSION_LIMIT = G.add("virtual_alias_recursion_limit", SettingType.INT, "1000",
            "maximal nesting depth of virtual alias expansion (Postfix's name and default)");
    public static final Setting<Integer> EXPANSION_LIMIT = G.add("virtual_alias_expansion_limit", SettingType.INT, "1000",
            "maximal number of addresses one virtual alias expansion may produce (Postfix's name and default)");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
