package org.postern.directory;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.postern.core.config.Setting;
import org.postern.testkit.Peers;
import org.postern.testkit.PostgresServer;

/** The directory contract on a real PostgreSQL server, in Postern's own schema. */
@Tag("peers")
class PostgresDirectoryTest implements DirectoryContract {
    @Override
    public Map<Setting<?>, String> freshDatabase() {
        PostgresServer pg = PostgresServer.get();
        String db = pg.createDatabase("postern");
        pg.createOwner(db, db + "_owner", "pw-" + db);
        return Map.of(DirectorySettings.URL, pg.url(db), DirectorySettings.USER, db + "_owner",
                DirectorySettings.PASSWORD, "pw-" + db);
    }

    @Override
    public String deadUrl() {
        return "jdbc:postgresql://127.0.0.1:" + Peers.freePort() + "/nothing";
    }
}
