package org.postern.directory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.postern.core.Address;
import org.postern.core.Texts;
import org.postern.core.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL directory: SQLite (embedded default), MariaDB or PostgreSQL, pooled with HikariCP.
 *
 * <p>Lookups run the configured map queries ({@link DirectorySettings}), so a database in the
 * seed schema works unchanged ({@code schema = foreign}, never migrated, SELECT-only user
 * fine); with {@code schema = postern} Postern owns the tables (a superset of the seed schema)
 * and migrates them at open. Results are cached for {@code cache_ttl} (like Postfix's
 * proxymap); writes made through this object invalidate the cache at once.
 */
public final class SqlDirectory implements Directory, DirectoryAdmin {
    private static final Logger LOG = LoggerFactory.getLogger("directory");

    /** Native default of mailbox_query: also reads the quota and skips disabled users. */
    static final String NATIVE_MAILBOX_QUERY = "SELECT quota_bytes FROM virtual_users WHERE email='%s' AND enabled";
    /** Native default of password_query: skips disabled users. */
    static final String NATIVE_PASSWORD_QUERY = "SELECT email AS user, password FROM virtual_users WHERE email='%u' AND enabled";

    /** Lookup cache counters (hits and misses since open). */
    public record CacheStats(long hits, long misses, long size) {
        public double hitRate() {
            long total = hits + misses;
            return total == 0 ? 0 : (double) hits / total;
        }
    }

    private record MailboxRow(boolean exists, Long quota) {
        static final MailboxRow NONE = new MailboxRow(false, null);
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private final HikariDataSource ds;
    private final SqlDialect dialect;
    private final boolean foreign;
    private final String safeUrl;
    private final MapQuery domainQuery;
    private final MapQuery mailboxQuery;
    private final MapQuery aliasQuery;
    private final MapQuery passwordQuery;
    private final String delimiters;
    private final int recursionLimit;
    private final int expansionLimit;
    private final Cache<String, Object> cache; // null when cache_ttl = 0
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    private SqlDirectory(HikariDataSource ds, SqlDialect dialect, Config config, String safeUrl) {
        this.ds = ds;
        this.dialect = dialect;
        this.foreign = config.get(DirectorySettings.SCHEMA).equals("foreign");
        this.safeUrl = safeUrl;
        this.domainQuery = MapQuery.compile("directory.domain_query", config.get(DirectorySettings.DOMAIN_QUERY), MapQuery.Style.POSTFIX);
        boolean nativeDefaults = !foreign;
        String mq = nativeDefaults && !config.isExplicit(DirectorySettings.MAILBOX_QUERY)
                ? NATIVE_MAILBOX_QUERY : config.get(DirectorySettings.MAILBOX_QUERY);
        this.mailboxQuery = MapQuery.compile("directory.mailbox_query", mq, MapQuery.Style.POSTFIX);
        this.aliasQuery = MapQuery.compile("directory.alias_query", config.get(DirectorySettings.ALIAS_QUERY), MapQuery.Style.POSTFIX);
        String pq = nativeDefaults && !config.isExplicit(DirectorySettings.PASSWORD_QUERY)
                ? NATIVE_PASSWORD_QUERY : config.get(DirectorySettings.PASSWORD_QUERY);
        this.passwordQuery = MapQuery.compile("directory.password_query", pq, MapQuery.Style.DOVECOT);
        this.delimiters = config.get(DirectorySettings.RECIPIENT_DELIMITER);
        this.recursionLimit = Math.max(1, config.get(DirectorySettings.RECURSION_LIMIT));
        this.expansionLimit = Math.max(1, config.get(DirectorySettings.EXPANSION_LIMIT));
        Duration ttl = config.get(DirectorySettings.CACHE_TTL);
        this.cache = ttl.isZero() || ttl.isNegative() ? null
                : Caffeine.newBuilder().expireAfterWrite(ttl)
                        .maximumSize(Math.max(1, config.get(DirectorySettings.CACHE_SIZE)))
                        .recordStats().build();
    }

    /**
     * Opens the directory named by {@code [directory] url}. A relative SQLite path is resolved
     * against {@code dataDir} (the server's data directory). With {@code schema = postern} the
     * schema is created or migrated; a foreign schema is only read (and written by the admin
     * commands with plain INSERT/UPDATE/DELETE on the seed's tables).
     *
     * @throws IllegalArgumentException for a bad URL or query in the configuration
     * @throws Directory.DirectoryUnavailableException when the database cannot be reached or migrated
     */
    public static SqlDirectory open(Config config, Path dataDir) {
        String configured = config.get(DirectorySettings.URL).strip();
        SqlDialect dialect = SqlDialect.of(configured);
        String url = dialect == SqlDialect.SQLITE ? sqliteUrl(configured, dataDir) : configured;
        String safeUrl = redact(url);
        boolean foreign = config.get(DirectorySettings.SCHEMA).equals("foreign");
        // Compile the queries before connecting, so a bad query is a configuration error.
        for (var q : List.of(DirectorySettings.DOMAIN_QUERY, DirectorySettings.MAILBOX_QUERY, DirectorySettings.ALIAS_QUERY)) {
            MapQuery.compile(q.key(), config.get(q), MapQuery.Style.POSTFIX);
        }
        MapQuery.compile(DirectorySettings.PASSWORD_QUERY.key(), config.get(DirectorySettings.PASSWORD_QUERY), MapQuery.Style.DOVECOT);

        HikariConfig hc = new HikariConfig();
        hc.setPoolName("directory");
        hc.setJdbcUrl(url);
        String user = config.get(DirectorySettings.USER);
        if (!user.isEmpty()) {
            hc.setUsername(user);
        }
        String password = config.get(DirectorySettings.PASSWORD);
        if (!password.isEmpty()) {
            hc.setPassword(password);
        }
        int pool = Math.max(1, config.get(DirectorySettings.POOL_SIZE));
        hc.setMaximumPoolSize(pool);
        hc.setMinimumIdle(Math.min(pool, 2));
        long timeoutMs = Math.max(250, config.get(DirectorySettings.CONNECT_TIMEOUT).toMillis());
        hc.setConnectionTimeout(timeoutMs);
        hc.setValidationTimeout(Math.min(timeoutMs, 5000));
        // A foreign database may be down when the server starts: lookups then fail as
        // temporary errors until it is back. Our own schema must be migrated first.
        hc.setInitializationFailTimeout(foreign ? -1 : timeoutMs);
        switch (dialect) {
            case SQLITE -> {
                hc.addDataSourceProperty("journal_mode", "WAL");
                hc.addDataSourceProperty("busy_timeout", String.valueOf(Math.max(timeoutMs, 5000)));
                hc.addDataSourceProperty("foreign_keys", "true");
                hc.addDataSourceProperty("synchronous", "NORMAL");
            }
            case MARIADB -> {
                hc.addDataSourceProperty("connectTimeout", String.valueOf(timeoutMs));
                hc.addDataSourceProperty("socketTimeout", "30000");
            }
            case POSTGRESQL -> {
                hc.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, timeoutMs / 1000)));
                hc.addDataSourceProperty("socketTimeout", "30");
                hc.addDataSourceProperty("ApplicationName", "postern");
            }
        }
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new DirectoryUnavailableException("cannot connect to the directory database " + safeUrl + ": " + rootMessage(e), e);
        }
        try {
            if (!foreign) {
                Migrations.migrate(ds, dialect);
            }
            SqlDirectory d = new SqlDirectory(ds, dialect, config, safeUrl);
            LOG.debug("directory {} opened ({} schema)", safeUrl, foreign ? "foreign" : "postern");
            return d;
        } catch (SQLException e) {
            ds.close();
            if (dialect.isPermissionDenied(e)) {
                throw new DirectoryUnavailableException("cannot create Postern's tables in " + safeUrl
                        + ": the database user may not (" + rootMessage(e) + "); for an existing read-only database in the seed schema set schema = \"foreign\"", e);
            }
            throw new DirectoryUnavailableException("cannot prepare the directory database " + safeUrl + ": " + rootMessage(e), e);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    static String sqliteUrl(String url, Path dataDir) {
        String rest = url.substring("jdbc:sqlite:".length());
        int q = rest.indexOf('?');
        String file = q < 0 ? rest : rest.substring(0, q);
        String params = q < 0 ? "" : rest.substring(q);
        if (file.isEmpty() || file.equals(":memory:") || file.startsWith("file:") || file.startsWith(":resource:")) {
            return url;
        }
        Path p = Path.of(file);
        if (!p.isAbsolute()) {
            p = dataDir.resolve(p);
        }
        p = p.toAbsolutePath().normalize();
        try {
            Files.createDirectories(p.getParent());
        } catch (java.io.IOException e) {
            throw new DirectoryUnavailableException("cannot create the directory for " + p + ": " + e.getMessage(), e);
        }
        return "jdbc:sqlite:" + p + params;
    }

    /** The URL without credentials, for messages and logs. */
    static String redact(String url) {
        String u = url.replaceAll("(?i)(password|pass|pwd)=[^&;]*", "$1=***");
        return u.replaceAll("//[^/@]*:[^/@]*@", "//***@");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String top = e.getMessage();
        if (top != null && t != e && !top.equals(m) && top.length() < 200) {
            m = top + " (" + m + ")";
        }
        return Texts.safe(m, 300);
    }

    /** Whether this directory reads a foreign schema (never migrated). */
    public boolean isForeign() {
        return foreign;
    }

    /** The database URL without credentials. */
    public String url() {
        return safeUrl;
    }

    public CacheStats stats() {
        if (cache == null) {
            return new CacheStats(0, 0, 0);
        }
        var s = cache.stats();
        return new CacheStats(s.hitCount(), s.missCount(), cache.estimatedSize());
    }

    /** Drops every cached lookup result (writes through this object do it themselves). */
    public void invalidateCache() {
        if (cache != null) {
            generation.incrementAndGet();
            cache.invalidateAll();
        }
    }

    @Override
    public void close() {
        ds.close();
    }

    // ---------------------------------------------------------------- lookups

    private <T> T read(String what, SqlWork<T> work) {
        try (Connection c = ds.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            String msg = rootMessage(e);
            LOG.warn("{}: {} lookup failed: {}", safeUrl, what, msg);
            throw new DirectoryUnavailableException("directory lookup failed (" + what + "): " + msg, e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T cached(String key, Supplier<T> loader) {
        if (cache == null) {
            return loader.get();
        }
        // Not cache.get(key, loader): that runs the query under the map's bin lock, so a slow
        // or dead database would also stall lookups of unrelated keys. A rare duplicate load
        // under concurrency is cheaper.
        Object v = cache.getIfPresent(key);
        if (v == null) {
            long gen = generation.get();
            v = loader.get();
            if (generation.get() == gen) {
                // a write that invalidated meanwhile makes this result possibly stale: don't keep it
                cache.put(key, v);
            }
        }
        return (T) v;
    }

    @Override
    public boolean isLocalDomain(String domain) {
        String d;
        try {
            d = Address.normaliseDomain(domain);
        } catch (Address.InvalidAddressException e) {
            return false;
        }
        return cached("d:" + d, () -> read("domain_query", c -> {
            try (PreparedStatement ps = domainQuery.prepare(c, d); ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }));
    }

    private MailboxRow mailboxRow(String key) {
        return cached("m:" + key, () -> read("mailbox_query", c -> {
            try (PreparedStatement ps = mailboxQuery.prepare(c, key); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return MailboxRow.NONE;
                }
                int col = column(rs.getMetaData(), "quota_bytes");
                Long quota = null;
                if (col > 0) {
                    long v = rs.getLong(col);
                    quota = rs.wasNull() || v <= 0 ? null : v;
                }
                return new MailboxRow(true, quota);
            }
        }));
    }

    private List<String> aliasTargets(String key) {
        return cached("a:" + key, () -> read("alias_query", c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = aliasQuery.prepare(c, key); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String v = rs.getString(1);
                    if (v != null) {
                        out.addAll(splitTargets(v));
                    }
                }
            }
            return List.copyOf(out);
        }));
    }

    private static int column(ResultSetMetaData md, String label) throws SQLException {
        for (int i = 1; i <= md.getColumnCount(); i++) {
            if (md.getColumnLabel(i).equalsIgnoreCase(label)) {
                return i;
            }
        }
        return -1;
    }

    /** The seed's destination column: one or more targets separated by commas and/or whitespace. */
    static List<String> splitTargets(String destination) {
        List<String> out = new ArrayList<>();
        for (String t : destination.split("[,\\s]+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    @Override
    public Optional<Mailbox> mailbox(Address address) {
        String key = address.key();
        MailboxRow row = mailboxRow(key);
        if (row.exists()) {
            return Optional.of(new Mailbox(address.withLocalPart(address.localPart().toLowerCase(Locale.ROOT)), row.quota()));
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> passwordHash(String login) {
        String key = loginKey(login);
        return read("password_query", c -> {
            try (PreparedStatement ps = passwordQuery.prepare(c, key); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.<String>empty();
                }
                int col = column(rs.getMetaData(), "password");
                String hash = rs.getString(col > 0 ? col : rs.getMetaData().getColumnCount());
                return Optional.ofNullable(hash);
            }
        });
    }

    private static String loginKey(String login) {
        try {
            return Address.parse(login.strip()).key();
        } catch (Address.InvalidAddressException e) {
            return login.strip().toLowerCase(Locale.ROOT);
        }
    }

    /** The local part without its extension (text from the first delimiter on), or null if none. */
    String baseLocal(String local) {
        if (delimiters.isEmpty()) {
            return null;
        }
        int cut = -1;
        for (int i = 1; i < local.length(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                cut = i;
                break;
            }
        }
        return cut < 0 ? null : local.substring(0, cut);
    }

    @Override
    public Resolution resolve(Address address) {
        if (!isLocalDomain(address.domain())) {
            return Resolution.notFound("domain " + address.domain() + " is not a local domain (not in virtual_mailbox_domains)",
                    List.of(address.key() + ": domain " + address.domain() + " is not local"));
        }
        Expansion x = new Expansion();
        try {
            x.expand(address, 0, new LinkedHashSet<>(), true);
        } catch (LimitException e) {
            x.trace.add(e.getMessage());
            return Resolution.notFound(e.getMessage(), x.trace);
        }
        if (x.mailboxes.isEmpty() && x.forwards.isEmpty()) {
            String reason = x.firstProblem != null ? x.firstProblem : "no mailbox or alias for " + address.key();
            return Resolution.notFound(reason, x.trace);
        }
        return new Resolution(List.copyOf(x.mailboxes.values()), List.copyOf(x.forwards.values()), null, x.trace);
    }

    private static final class LimitException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LimitException(String message) {
            super(message, null, false, false);
        }
    }

    /** One alias expansion (Postfix virtual(5) semantics); collects results and a readable trace. */
    private final class Expansion {
        final Map<String, Mailbox> mailboxes = new LinkedHashMap<>();
        final Map<String, Address> forwards = new LinkedHashMap<>();
        final List<String> trace = new ArrayList<>();
        String firstProblem;

        void problem(String text) {
            trace.add(text);
            if (firstProblem == null) {
                firstProblem = text;
            }
        }

        void checkSize() {
            if (mailboxes.size() + forwards.size() > expansionLimit) {
                throw new LimitException("alias expansion gives more than " + expansionLimit
                        + " addresses (virtual_alias_expansion_limit)");
            }
        }

        /**
         * @param path       the addresses being expanded above this one (loop detection)
         * @param knownLocal the domain was already checked to be local
         */
        void expand(Address a, int depth, Set<String> path, boolean knownLocal) {
            if (depth > recursionLimit) {
                throw new LimitException("alias nesting deeper than " + recursionLimit
                        + " levels at " + a.key() + " (virtual_alias_recursion_limit)");
            }
            String key = a.key();
            if (!knownLocal && !isLocalDomain(a.domain())) {
                forwards.putIfAbsent(key, a);
                trace.add(key + ": forward (domain " + a.domain() + " is not local)");
                checkSize();
                return;
            }
            String base = baseLocal(a.localPart().toLowerCase(Locale.ROOT));
            String baseKey = base == null ? null : base + "@" + a.domain();
            // 1. virtual aliases: the full address, then without the extension
            String matched = key;
            List<String> targets = aliasTargets(key);
            if (targets.isEmpty() && baseKey != null) {
                targets = aliasTargets(baseKey);
                matched = baseKey;
            }
            if (!targets.isEmpty()) {
                trace.add(matched + " -> " + String.join(", ", targets));
                // Postfix's propagate_unmatched_extensions (default includes virtual): an alias
                // matched without the extension passes it on, joe+foo@a -> joe.user+foo@b.
                String extension = matched.equals(key) ? null : a.localPart().substring(base.length());
                expandTargets(a, key, matched, baseKey, targets, extension, depth, path);
                return;
            }
            // 2. virtual mailboxes
            if (finalMailbox(key, baseKey)) {
                return;
            }
            // 3. the catch-all @domain, only when neither an alias nor a mailbox matched
            String catchAll = "@" + a.domain();
            List<String> all = aliasTargets(catchAll);
            if (!all.isEmpty()) {
                trace.add(key + " -> (catch-all " + catchAll + ") " + String.join(", ", all));
                expandTargets(a, key, catchAll, baseKey, all, null, depth, path);
                return;
            }
            problem(key + ": no mailbox or alias for " + key);
        }

        private void expandTargets(Address a, String key, String matched, String baseKey, List<String> targets,
                                   String extension, int depth, Set<String> path) {
            path.add(key);
            try {
                for (String t : targets) {
                    Address ta = target(t, a, extension);
                    if (ta == null) {
                        continue;
                    }
                    String tk = ta.key();
                    if (tk.equals(key) || tk.equals(matched) || tk.equals(baseKey)) {
                        // "a@x -> a@x, b@x": the address itself is final (Postfix's virtual(5) idiom)
                        if (!finalMailbox(tk, baseKeyOf(ta))) {
                            problem(tk + ": no mailbox for " + tk + " (an alias to itself is only final for a mailbox)");
                        }
                    } else if (path.contains(tk)) {
                        if (!finalMailbox(tk, baseKeyOf(ta))) {
                            problem(tk + ": alias loop (" + String.join(" -> ", path) + " -> " + tk + ")");
                        }
                    } else {
                        expand(ta, depth + 1, path, false);
                    }
                }
            } finally {
                path.remove(key);
            }
        }

        /** Records the mailbox for key (or its extension-less base) if it exists. */
        private boolean finalMailbox(String key, String baseKey) {
            MailboxRow row = mailboxRow(key);
            String found = key;
            if (!row.exists() && baseKey != null) {
                row = mailboxRow(baseKey);
                found = baseKey;
            }
            if (!row.exists()) {
                return false;
            }
            mailboxes.putIfAbsent(found, new Mailbox(keyAddress(found), row.quota()));
            trace.add(found + ": mailbox" + (row.quota() == null ? "" : " (quota " + row.quota() + " bytes)"));
            checkSize();
            return true;
        }

        private String baseKeyOf(Address a) {
            String base = baseLocal(a.localPart().toLowerCase(Locale.ROOT));
            return base == null ? null : base + "@" + a.domain();
        }

        /**
         * A target as an address; "@domain" keeps the local part (Postfix's domain rewrite); an
         * unmatched extension is appended to a target that has none.
         */
        private Address target(String t, Address from, String extension) {
            String text = t.startsWith("@") ? from.localPart() + t : t;
            Address ta;
            try {
                ta = Address.parse(text);
            } catch (Address.InvalidAddressException e) {
                problem(Texts.safe(t, 100) + ": ignored, not a valid address (" + e.getMessage() + ")");
                return null;
            }
            if (extension != null && !t.startsWith("@") && !ta.isQuoted() && baseLocal(ta.localPart()) == null) {
                try {
                    return Address.parse(ta.localPart() + extension + "@" + ta.domain());
                } catch (Address.InvalidAddressException e) {
                    return ta; // too long with the extension: deliver without it
                }
            }
            return ta;
        }
    }

    // ---------------------------------------------------------------- admin

    private <T> T write(String what, SqlWork<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T r = work.run(c);
                c.commit();
                return r;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
                invalidateCache();
            }
        } catch (SQLException e) {
            if (dialect.isPermissionDenied(e)) {
                throw new AdminException(AdminException.Kind.READ_ONLY, "cannot " + what
                        + ": the database user may only read (SELECT); the directory " + safeUrl + " is read-only", e);
            }
            if (dialect.isDuplicate(e)) {
                throw new AdminException(AdminException.Kind.DUPLICATE, "cannot " + what + ": it already exists", e);
            }
            LOG.warn("{}: {} failed: {}", safeUrl, what, rootMessage(e));
            throw new DirectoryUnavailableException("cannot " + what + ": " + rootMessage(e), e);
        }
    }

    private <T> T readAdmin(String what, SqlWork<T> work) {
        return read(what, work);
    }

    private static String domainName(String domain) {
        String d = domain.strip();
        if (d.startsWith("@")) {
            d = d.substring(1);
        }
        try {
            return Address.normaliseDomain(d);
        } catch (Address.InvalidAddressException e) {
            throw new AdminException(AdminException.Kind.INVALID, "'" + Texts.safe(domain, 100) + "' is not a valid domain: " + e.getMessage());
        }
    }

    private static Long domainId(Connection c, String domain) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM virtual_domains WHERE name = ?")) {
            ps.setString(1, domain);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static long requireDomain(Connection c, String domain) throws SQLException {
        Long id = domainId(c, domain);
        if (id == null) {
            throw new AdminException(AdminException.Kind.UNKNOWN_DOMAIN, "domain " + domain
                    + " is not a local domain (add it first: postern domain add " + domain + ")");
        }
        return id;
    }

    private static int count(Connection c, String sql, Object param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    @Override
    public void addDomain(String domain) {
        String d = domainName(domain);
        write("add domain " + d, c -> {
            if (domainId(c, d) != null) {
                throw new AdminException(AdminException.Kind.DUPLICATE, "domain " + d + " already exists");
            }
            update(c, "INSERT INTO virtual_domains (name) VALUES (?)", d);
            return null;
        });
        LOG.info("domain added: {}", d);
    }

    @Override
    public List<DomainEntry> domains() {
        return readAdmin("list domains", c -> {
            List<DomainEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT d.name, "
                    + "(SELECT COUNT(*) FROM virtual_users u WHERE u.domain_id = d.id), "
                    + "(SELECT COUNT(*) FROM virtual_aliases a WHERE a.domain_id = d.id) "
                    + "FROM virtual_domains d ORDER BY d.name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DomainEntry(rs.getString(1), rs.getInt(2), rs.getInt(3)));
                }
            }
            return out;
        });
    }

    @Override
    public Removal removeDomain(String domain, boolean force) {
        String d = domainName(domain);
        Removal r = write("remove domain " + d, c -> {
            Long id = domainId(c, d);
            if (id == null) {
                throw new AdminException(AdminException.Kind.NOT_FOUND, "no such domain: " + d);
            }
            int users = count(c, "SELECT COUNT(*) FROM virtual_users WHERE domain_id = ?", id);
            int aliases = count(c, "SELECT COUNT(*) FROM virtual_aliases WHERE domain_id = ?", id);
            if ((users > 0 || aliases > 0) && !force) {
                throw new AdminException(AdminException.Kind.NOT_EMPTY, "domain " + d + " still has " + users
                        + (users == 1 ? " user" : " users") + " and " + aliases + (aliases == 1 ? " alias" : " aliases")
                        + " (use --force to remove them with it)");
            }
            update(c, "DELETE FROM virtual_aliases WHERE domain_id = ?", id);
            update(c, "DELETE FROM virtual_users WHERE domain_id = ?", id);
            update(c, "DELETE FROM virtual_domains WHERE id = ?", id);
            return new Removal(users, aliases);
        });
        LOG.info("domain removed: {} ({} users, {} aliases)", d, r.users(), r.aliases());
        return r;
    }

    private static Address userAddress(Address address) {
        return address.withLocalPart(address.localPart().toLowerCase(Locale.ROOT));
    }

    /** A stored key ("local@domain") as an address; a local part that needs quoting gets it back. */
    static Address keyAddress(String key) {
        try {
            return Address.parse(key);
        } catch (Address.InvalidAddressException e) {
            int at = key.lastIndexOf('@');
            if (at <= 0) {
                throw e;
            }
            return Address.parse("\"" + key.substring(0, at).replace("\\", "\\\\").replace("\"", "\\\"") + "\"" + key.substring(at));
        }
    }

    @Override
    public void addUser(Address address, String passwordHash, Long quotaBytes) {
        Address a = userAddress(address);
        if (passwordHash == null || passwordHash.isEmpty()) {
            throw new AdminException(AdminException.Kind.INVALID, "a user needs a password");
        }
        if (quotaBytes != null && foreign) {
            throw new AdminException(AdminException.Kind.INVALID,
                    "quotas need schema = \"postern\" (the seed schema has no quota column)");
        }
        write("add user " + a.key(), c -> {
            long id = requireDomain(c, a.domain());
            if (count(c, "SELECT COUNT(*) FROM virtual_users WHERE email = ?", a.key()) > 0) {
                throw new AdminException(AdminException.Kind.DUPLICATE, "user " + a.key() + " already exists");
            }
            if (foreign) {
                update(c, "INSERT INTO virtual_users (domain_id, email, password) VALUES (?, ?, ?)", id, a.key(), passwordHash);
            } else {
                update(c, "INSERT INTO virtual_users (domain_id, email, password, quota_bytes) VALUES (?, ?, ?, ?)",
                        id, a.key(), passwordHash, quotaBytes);
            }
            return null;
        });
        LOG.info("user added: {}", a.key());
    }

    @Override
    public List<UserEntry> users(String domain) {
        String d = domain == null ? null : domainName(domain);
        return readAdmin("list users", c -> {
            if (d != null) {
                requireDomain(c, d);
            }
            String cols = foreign ? "u.email" : "u.email, u.quota_bytes, u.enabled";
            String sql = "SELECT " + cols + " FROM virtual_users u"
                    + (d == null ? "" : " JOIN virtual_domains d ON d.id = u.domain_id WHERE d.name = ?")
                    + " ORDER BY u.email";
            List<UserEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (d != null) {
                    ps.setString(1, d);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Address a = parseStored(rs.getString(1));
                        if (a == null) {
                            continue;
                        }
                        Long quota = null;
                        boolean enabled = true;
                        if (!foreign) {
                            long q = rs.getLong(2);
                            quota = rs.wasNull() ? null : q;
                            enabled = rs.getBoolean(3);
                        }
                        out.add(new UserEntry(a, quota, enabled));
                    }
                }
            }
            return out;
        });
    }

    private static Address parseStored(String email) {
        try {
            return keyAddress(email);
        } catch (Address.InvalidAddressException e) {
            LOG.warn("ignoring stored user '{}': {}", Texts.safe(email, 100), e.getMessage());
            return null;
        }
    }

    @Override
    public void removeUser(Address address) {
        Address a = userAddress(address);
        write("remove user " + a.key(), c -> {
            if (update(c, "DELETE FROM virtual_users WHERE email = ?", a.key()) == 0) {
                throw new AdminException(AdminException.Kind.NOT_FOUND, "no such user: " + a.key());
            }
            return null;
        });
        LOG.info("user removed: {}", a.key());
    }

    @Override
    public void setPasswordHash(Address address, String passwordHash) {
        Address a = userAddress(address);
        if (passwordHash == null || passwordHash.isEmpty()) {
            throw new AdminException(AdminException.Kind.INVALID, "empty password");
        }
        write("change the password of " + a.key(), c -> {
            if (update(c, "UPDATE virtual_users SET password = ? WHERE email = ?", passwordHash, a.key()) == 0) {
                throw new AdminException(AdminException.Kind.NOT_FOUND, "no such user: " + a.key());
            }
            return null;
        });
        LOG.info("password changed: {}", a.key());
    }

    @Override
    public void setEnabled(Address address, boolean enabled) {
        Address a = userAddress(address);
        if (foreign) {
            throw new AdminException(AdminException.Kind.INVALID,
                    "disabling users needs schema = \"postern\" (the seed schema has no enabled column)");
        }
        write((enabled ? "enable " : "disable ") + a.key(), c -> {
            if (update(c, "UPDATE virtual_users SET enabled = ? WHERE email = ?", enabled, a.key()) == 0) {
                throw new AdminException(AdminException.Kind.NOT_FOUND, "no such user: " + a.key());
            }
            return null;
        });
        LOG.info("user {}: {}", enabled ? "enabled" : "disabled", a.key());
    }

    /** An alias source as stored: "user@domain" (lower-case key) or "@domain". */
    static String aliasSource(String source) {
        String s = source.strip();
        if (s.startsWith("@")) {
            return "@" + domainName(s);
        }
        try {
            return Address.parse(s).key();
        } catch (Address.InvalidAddressException e) {
            throw new AdminException(AdminException.Kind.INVALID, "'" + Texts.safe(source, 100)
                    + "' is not a valid alias source (user@domain or @domain): " + e.getMessage());
        }
    }

    @Override
    public void addAlias(String source, List<String> targets) {
        String src = aliasSource(source);
        String domain = src.substring(src.lastIndexOf('@') + 1);
        List<String> clean = new ArrayList<>();
        for (String t : targets) {
            for (String one : splitTargets(t)) {
                if (one.startsWith("@") && src.startsWith("@")) {
                    // "@a -> @b": a catch-all that keeps the local part (Postfix virtual(5))
                    clean.add("@" + domainName(one));
                    continue;
                }
                try {
                    clean.add(Address.parse(one).toString());
                } catch (Address.InvalidAddressException e) {
                    throw new AdminException(AdminException.Kind.INVALID, "alias target '" + Texts.safe(one, 100)
                            + "' is not a valid address: " + e.getMessage());
                }
            }
        }
        if (clean.isEmpty()) {
            throw new AdminException(AdminException.Kind.INVALID, "an alias needs at least one target");
        }
        String destination = String.join(", ", new LinkedHashSet<>(clean));
        write("add alias " + src, c -> {
            long id = requireDomain(c, domain);
            List<String> existing = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT destination FROM virtual_aliases WHERE source = ?")) {
                ps.setString(1, src);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        existing.add(rs.getString(1));
                    }
                }
            }
            if (!existing.isEmpty()) {
                throw new AdminException(AdminException.Kind.DUPLICATE, "alias " + src + " already exists (-> "
                        + String.join(", ", existing) + "); remove it first to change it");
            }
            update(c, "INSERT INTO virtual_aliases (domain_id, source, destination) VALUES (?, ?, ?)", id, src, destination);
            return null;
        });
        LOG.info("alias added: {} -> {}", src, destination);
    }

    @Override
    public List<AliasEntry> aliases(String domain) {
        String d = domain == null ? null : domainName(domain);
        return readAdmin("list aliases", c -> {
            if (d != null) {
                requireDomain(c, d);
            }
            String sql = "SELECT a.source, a.destination FROM virtual_aliases a"
                    + (d == null ? "" : " JOIN virtual_domains d ON d.id = a.domain_id WHERE d.name = ?")
                    + " ORDER BY a.source, a.id";
            Map<String, List<String>> bySource = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (d != null) {
                    ps.setString(1, d);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        bySource.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).addAll(splitTargets(rs.getString(2)));
                    }
                }
            }
            List<AliasEntry> out = new ArrayList<>();
            bySource.forEach((s, t) -> out.add(new AliasEntry(s, t)));
            return out;
        });
    }

    @Override
    public void removeAlias(String source) {
        String src = aliasSource(source);
        write("remove alias " + src, c -> {
            if (update(c, "DELETE FROM virtual_aliases WHERE source = ?", src) == 0) {
                throw new AdminException(AdminException.Kind.NOT_FOUND, "no such alias: " + src);
            }
            return null;
        });
        LOG.info("alias removed: {}", src);
    }
}
