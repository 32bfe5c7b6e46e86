package org.postern.directory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postern's own schema migrations: ordered SQL resources {@code db/<dialect>/V<n>__name.sql}
 * (listed in {@code db/<dialect>/migrations.list}), applied in order, each in one transaction,
 * and recorded in {@code postern_schema_version}. Running it again is a no-op. Only used with
 * {@code schema = postern}: a foreign schema is never altered.
 *
 * <p>PostgreSQL and SQLite roll DDL back with the transaction; MariaDB commits DDL implicitly,
 * so a migration that fails there half-way needs a look by hand (the error names it).
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger("directory");
    /** The advisory lock key Postern's migrations take in PostgreSQL. */
    private static final long PG_LOCK = 0x706f7374L; // "post"
    private static final Pattern NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

    record Migration(int version, String name, String sql) {
    }

    private Migrations() {
    }

    /** The migrations shipped for a dialect, in version order. */
    static List<Migration> available(SqlDialect dialect) {
        String dir = "db/" + dialect.resourceDir() + "/";
        List<Migration> out = new ArrayList<>();
        String list = resource(dir + "migrations.list");
        int last = 0;
        for (String line : list.split("\n")) {
            String file = line.strip();
            if (file.isEmpty() || file.startsWith("#")) {
                continue;
            }
            Matcher m = NAME.matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("bad migration name " + file);
            }
            int v = Integer.parseInt(m.group(1));
            if (v != last + 1) {
                throw new IllegalStateException("migrations of " + dialect + " are not numbered 1, 2, 3...: " + file);
            }
            last = v;
            out.add(new Migration(v, m.group(2), resource(dir + file)));
        }
        return out;
    }

    /** Applies pending migrations; returns how many were applied. */
    static int migrate(DataSource ds, SqlDialect dialect) throws SQLException {
        List<Migration> all = available(dialect);
        try (Connection c = ds.getConnection()) {
            String versionTable = "CREATE TABLE IF NOT EXISTS postern_schema_version ("
                    + "version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, "
                    + "applied TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)";
            if (dialect == SqlDialect.POSTGRESQL) {
                // PostgreSQL's IF NOT EXISTS is not safe against a concurrent CREATE: serialise it.
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_advisory_xact_lock(" + PG_LOCK + ")");
                    st.execute(versionTable);
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                }
            } else {
                c.setAutoCommit(true);
                try (Statement st = c.createStatement()) {
                    st.execute(versionTable);
                }
            }
            c.setAutoCommit(true);
            int current = current(c);
            if (current > all.size()) {
                throw new SQLException("the directory schema is at version " + current
                        + ", newer than this Postern knows (" + all.size() + "): upgrade Postern");
            }
            int applied = 0;
            for (Migration m : all) {
                if (m.version() <= current) {
                    continue;
                }
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    lock(st, dialect);
                    // Another process may have migrated meanwhile: re-check under the lock.
                    if (current(c) >= m.version()) {
                        c.commit();
                        continue;
                    }
                    for (String sql : statements(m.sql())) {
                        st.execute(sql);
                    }
                    try (var ps = c.prepareStatement("INSERT INTO postern_schema_version(version, name) VALUES (?, ?)")) {
                        ps.setInt(1, m.version());
                        ps.setString(2, m.name());
                        ps.executeUpdate();
                    }
                    c.commit();
                    applied++;
                    LOG.info("directory schema migrated to version {} ({})", m.version(), m.name());
                } catch (SQLException e) {
                    c.rollback();
                    throw new SQLException("directory migration V" + m.version() + "__" + m.name() + " failed: "
                            + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
                } finally {
                    c.setAutoCommit(true);
                    unlock(c, dialect);
                }
            }
            return applied;
        }
    }

    /**
     * Serialises migrating processes (e.g. {@code postern init} racing {@code serve}): a
     * transaction-scoped advisory lock in PostgreSQL, a named lock in MariaDB (DDL commits
     * implicitly there, so a transaction cannot hold it), SQLite's write lock (taken by any
     * write statement, waited for with busy_timeout).
     */
    private static void lock(Statement st, SqlDialect dialect) throws SQLException {
        switch (dialect) {
            case POSTGRESQL -> st.execute("SELECT pg_advisory_xact_lock(" + PG_LOCK + ")");
            case MARIADB -> {
                try (ResultSet rs = st.executeQuery("SELECT GET_LOCK('postern_schema_migration', 60)")) {
                    if (!rs.next() || rs.getInt(1) != 1) {
                        throw new SQLException("timed out waiting for another process migrating the directory schema");
                    }
                }
            }
            case SQLITE -> st.executeUpdate("DELETE FROM postern_schema_version WHERE 1 = 0");
        }
    }

    private static void unlock(Connection c, SqlDialect dialect) throws SQLException {
        if (dialect == SqlDialect.MARIADB) {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT RELEASE_LOCK('postern_schema_migration')");
            }
        }
    }

    static int current(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT MAX(version) FROM postern_schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Splits a script at semicolons that end a line; drops "--" comment lines. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : script.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("--")) {
                continue;
            }
            if (t.endsWith(";")) {
                cur.append(t, 0, t.length() - 1);
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(t).append('\n');
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString());
        }
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + path, e);
        }
    }
}
