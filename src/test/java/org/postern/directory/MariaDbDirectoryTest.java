package org.postern.directory;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.postern.core.config.Setting;
import org.postern.testkit.MariaDbServer;
import org.postern.testkit.Peers;

/** The directory contract on a real MariaDB server, in Postern's own schema. */
@Tag("peers")
class MariaDbDirectoryTest implements DirectoryContract {
    @Override
    public Map<Setting<?>, String> freshDatabase() {
        MariaDbServer m = MariaDbServer.get();
        String db = m.createDatabase("postern");
        m.createOwner(db, db + "_owner", "pw-" + db);
        return Map.of(DirectorySettings.URL, m.url(db), DirectorySettings.USER, db + "_owner",
                DirectorySettings.PASSWORD, "pw-" + db);
    }

    @Override
    public String deadUrl() {
        return "jdbc:mariadb://127.0.0.1:" + Peers.freePort() + "/nothing";
    }
}
