package org.postern.directory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.postern.core.config.Setting;
import org.postern.testkit.PostgresServer;

/** The seed schema translated to PostgreSQL, on a real PostgreSQL 15. */
@Tag("peers")
class PostgresForeignSchemaTest implements ForeignSchemaContract {
    @Override
    public String createSeedDatabase() {
        PostgresServer pg = PostgresServer.get();
        String db = pg.createDatabase("mailserver");
        pg.admin(db, ForeignSchemaContract.seedStatements("seed-schema-postgresql.sql").toArray(String[]::new));
        return db;
    }

    @Override
    public void admin(String db, String... sql) {
        PostgresServer.get().admin(db, sql);
    }

    @Override
    public Map<Setting<?>, String> selectOnlyUser(String db, String user) {
        PostgresServer.get().createSelectOnlyUser(db, user, "pw-" + user);
        return login(db, user);
    }

    @Override
    public Map<Setting<?>, String> readWriteUser(String db, String user) {
        PostgresServer.get().createReadWriteUser(db, user, "pw-" + user);
        return login(db, user);
    }

    private static Map<Setting<?>, String> login(String db, String user) {
        return Map.of(DirectorySettings.URL, PostgresServer.get().url(db), DirectorySettings.USER, user,
                DirectorySettings.PASSWORD, "pw-" + user);
    }

    @Override
    public List<String> tables(String db) {
        PostgresServer pg = PostgresServer.get();
        try (Connection c = DriverManager.getConnection(pg.url(db), PostgresServer.ADMIN_USER, PostgresServer.ADMIN_PASSWORD);
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
