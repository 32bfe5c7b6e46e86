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
 * A real MariaDB server (Debian's mariadbd) for tests: initialised in a temp dir with
 * {@code mariadb-install-db}, listening on a free loopback port, started once per test JVM and
 * stopped at JVM exit. A missing binary skips the test (or fails it in CI, see {@link Peers}).
 */
public final class MariaDbServer {
    private static MariaDbServer instance;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** The administrative account created at start (all privileges, from 127.0.0.1). */
    public static final String ADMIN_USER = "postern_admin";
    public static final String ADMIN_PASSWORD = "admin-secret";

    private final Path dir;
    private final int port;
    private final Process process;

    private MariaDbServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** The shared server, started on first use. */
    public static synchronized MariaDbServer get() {
        Peers.require("mariadbd", "mariadb-install-db", "mariadb");
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    private static MariaDbServer start() {
        try {
            Path dir = Files.createTempDirectory("postern-mariadb");
            Path data = dir.resolve("data");
            Files.createDirectories(data);
            DbServers.chown(dir, "mysql");
            String user = "root".equals(System.getProperty("user.name")) ? "mysql" : System.getProperty("user.name");
            DbServers.run(List.of(Peers.find("mariadb-install-db").toString(), "--no-defaults", "--user=" + user,
                    "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"), 120);
            int port = Peers.freePort();
            Path sock = dir.resolve("s.sock");
            Path log = dir.resolve("error.log");
            Process p = new ProcessBuilder(Peers.find("mariadbd").toString(), "--no-defaults", "--user=" + user,
                    "--datadir=" + data, "--socket=" + sock, "--pid-file=" + dir.resolve("mariadbd.pid"),
                    "--port=" + port, "--bind-address=127.0.0.1", "--skip-name-resolve",
                    "--log-error=" + log, "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
                    "--innodb-flush-log-at-trx-commit=2", "--skip-log-bin", "--max-connections=200")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
            MariaDbServer s = new MariaDbServer(dir, port, p);
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "mariadb-stop"));
            DbServers.awaitPort(port, 60_000, p, log);
            // Root may only log in over the socket: create a TCP admin account through it.
            DbServers.run(List.of(Peers.find("mariadb").toString(), "--no-defaults", "--socket=" + sock, "-uroot", "-e",
                    "CREATE USER '" + ADMIN_USER + "'@'127.0.0.1' IDENTIFIED BY '" + ADMIN_PASSWORD + "';"
                            + "GRANT ALL ON *.* TO '" + ADMIN_USER + "'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"), 60);
            return s;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start MariaDB: " + e.getMessage(), e);
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
        DbServers.deleteTree(dir);
    }

    public int port() {
        return port;
    }

    /** JDBC URL of a database on this server. */
    public String url(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    /** Creates a new, empty database with a unique name (prefix + counter) and returns its name. */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        admin(null, "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        return name;
    }

    /** Runs statements as the admin account, in {@code database} (or none when null). */
    public void admin(String database, String... statements) {
        try (Connection c = DriverManager.getConnection(url(database == null ? "" : database), ADMIN_USER, ADMIN_PASSWORD);
             Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("MariaDB admin statement failed: " + e.getMessage(), e);
        }
    }

    /** Creates a login that may only SELECT in {@code database} (like the seed's mailuser). */
    public void createSelectOnlyUser(String database, String user, String password) {
        admin(null, "CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password + "'",
                "GRANT SELECT ON " + database + ".* TO '" + user + "'@'127.0.0.1'");
    }

    /** Creates a login with SELECT, INSERT, UPDATE, DELETE in {@code database} (like the seed's mailctl). */
    public void createReadWriteUser(String database, String user, String password) {
        admin(null, "CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password + "'",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON " + database + ".* TO '" + user + "'@'127.0.0.1'");
    }

    /** Creates a login with all privileges on {@code database} (Postern's own schema needs CREATE). */
    public void createOwner(String database, String user, String password) {
        admin(null, "CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password + "'",
                "GRANT ALL ON " + database + ".* TO '" + user + "'@'127.0.0.1'");
    }
}
