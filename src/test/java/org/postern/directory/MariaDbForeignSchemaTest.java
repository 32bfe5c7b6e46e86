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
import org.postern.testkit.MariaDbServer;

/** The seed schema, created from the seed's MariaDB SQL, on a real MariaDB. */
@Tag("peers")
class MariaDbForeignSchemaTest implements ForeignSchemaContract {
    @Override
    public String createSeedDatabase() {
        MariaDbServer m = MariaDbServer.get();
        String db = m.createDatabase("mailserver");
        m.admin(db, ForeignSchemaContract.seedStatements("seed-schema-mariadb.sql").toArray(String[]::new));
        return db;
    }

    @Override
    public void admin(String db, String... sql) {
        MariaDbServer.get().admin(db, sql);
    }

    @Override
    public Map<Setting<?>, String> selectOnlyUser(String db, String user) {
        MariaDbServer.get().createSelectOnlyUser(db, user, "pw-" + user);
        return login(db, user);
    }

    @Override
    public Map<Setting<?>, String> readWriteUser(String db, String user) {
        MariaDbServer.get().createReadWriteUser(db, user, "pw-" + user);
        return login(db, user);
    }

    private static Map<Setting<?>, String> login(String db, String user) {
        return Map.of(DirectorySettings.URL, MariaDbServer.get().url(db), DirectorySettings.USER, user,
                DirectorySettings.PASSWORD, "pw-" + user);
    }

    @Override
    public List<String> tables(String db) {
        MariaDbServer m = MariaDbServer.get();
        try (Connection c = DriverManager.getConnection(m.url(db), MariaDbServer.ADMIN_USER, MariaDbServer.ADMIN_PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = '"
                     + db + "' ORDER BY 1")) {
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
