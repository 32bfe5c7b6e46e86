package org.postern.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server (Debian's binaries, the newest major version installed) for tests: {@code initdb} in a temp dir,
 * {@code pg_ctl start} on a free loopback port (run as the postgres user when we are root),
 * started once per test JVM and stopped at JVM exit. Password authentication is required
 * (scram-sha-256), so logins and privileges behave as in production.
 */
public final class PostgresServer {
    /** Debian's server binaries, the newest installed major version (15 on bookworm, 17 on trixie). */
    private static final String BIN = binDir();
    private static PostgresServer instance;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    public static final String ADMIN_USER = "postgres";
    public static final String ADMIN_PASSWORD = "admin-secret";

    private final Path dir;
    private final int port;

    private PostgresServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static String binDir() {
        Path base = Path.of("/usr/lib/postgresql");
        try (java.util.stream.Stream<Path> versions = java.nio.file.Files.list(base)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+") && java.nio.file.Files.isExecutable(v.resolve("bin/postgres")))
                    .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin") + "/").orElse("/usr/lib/postgresql/15/bin/");
        } catch (java.io.IOException e) {
            return "/usr/lib/postgresql/15/bin/"; // not installed: Peers.require names what is missing
        }
    }

    public static synchronized PostgresServer get() {
        Peers.require(BIN + "initdb", BIN + "pg_ctl", BIN + "postgres");
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    /**
     * A server of its own (not the shared one) for tests that stop and restart it; stopped at
     * JVM exit if the test does not.
     */
    public static PostgresServer startPrivate() {
        Peers.require(BIN + "initdb", BIN + "pg_ctl", BIN + "postgres");
        return start();
    }

    private static PostgresServer start() {
        try {
            Path dir = Files.createTempDirectory("postern-pg");
            Path data = dir.resolve("data");
            Path pw = dir.resolve("pwfile");
            Files.writeString(pw, ADMIN_PASSWORD + "\n");
            DbServers.chown(dir, "postgres");
            DbServers.run(DbServers.as("postgres", BIN + "initdb", "-D", data.toString(), "-U", ADMIN_USER,
                    "--pwfile=" + pw, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"), 120);
            PostgresServer s = new PostgresServer(dir, Peers.freePort());
            Runtime.getRuntime().addShutdownHook(new Thread(s::destroy, "postgres-stop"));
            s.resume();
            return s;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Starts the server process (again) on its port. */
    public void resume() {
        Path log = dir.resolve("server.log");
        DbServers.run(DbServers.as("postgres", BIN + "pg_ctl", "-D", dir.resolve("data").toString(), "-l", log.toString(), "-w",
                "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir
                        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                "start"), 90);
        DbServers.awaitPort(port, 30_000, null, log);
    }

    /**
     * Stops the server (an outage: every client connection is cut); {@link #resume()} starts it
     * again. Fast mode, not immediate: with synchronous_commit off (for test speed) an immediate
     * stop could lose the last commits.
     */
    public void halt() {
        DbServers.run(DbServers.as("postgres", BIN + "pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), 30);
    }

    private void destroy() {
        try {
            DbServers.run(DbServers.as("postgres", BIN + "pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), 30);
        } catch (RuntimeException ignored) {
            // already stopped
        }
        DbServers.deleteTree(dir);
    }

    public int port() {
        return port;
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates a new, empty database with a unique name and returns its name. */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        admin("postgres", "CREATE DATABASE " + name + " ENCODING 'UTF8'");
        return name;
    }

    /** Runs statements as the superuser in {@code database}. */
    public void admin(String database, String... statements) {
        try (Connection c = DriverManager.getConnection(url(database), ADMIN_USER, ADMIN_PASSWORD);
             Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL admin statement failed: " + e.getMessage(), e);
        }
    }

    /** A login that may only SELECT the tables (present and future) of {@code database}'s public schema. */
    public void createSelectOnlyUser(String database, String user, String password) {
        admin("postgres", "CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
        admin(database, "GRANT CONNECT ON DATABASE " + database + " TO " + user,
                "GRANT USAGE ON SCHEMA public TO " + user,
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + user);
    }

    /** A login that may read and write the tables and sequences of {@code database}'s public schema. */
    public void createReadWriteUser(String database, String user, String password) {
        admin("postgres", "CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
        admin(database, "GRANT CONNECT ON DATABASE " + database + " TO " + user,
                "GRANT USAGE ON SCHEMA public TO " + user,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + user,
                "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO " + user);
    }

    /** A login owning {@code database} (Postern's own schema needs CREATE). */
    public void createOwner(String database, String user, String password) {
        admin("postgres", "CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'",
                "ALTER DATABASE " + database + " OWNER TO " + user);
        admin(database, "ALTER SCHEMA public OWNER TO " + user);
    }
}
