package org.postern.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.config.Setting;

/** The directory contract on the embedded SQLite backend. */
class SqliteDirectoryTest implements DirectoryContract {
    @TempDir
    Path tmp;
    private final AtomicInteger n = new AtomicInteger();

    @Override
    public Map<Setting<?>, String> freshDatabase() {
        return Map.of(DirectorySettings.URL, "jdbc:sqlite:" + tmp.resolve("dir" + n.incrementAndGet() + ".db"));
    }

    @Override
    public String deadUrl() {
        return null;
    }

    @Test
    void relativePathIsUnderTheDataDirectoryInWalMode() throws Exception {
        Path data = tmp.resolve("data");
        try (SqlDirectory d = SqlDirectory.open(DirectoryContract.config(Map.of()), data)) {
            d.addDomain("example.org");
        }
        Path db = data.resolve("directory.db");
        assertTrue(Files.exists(db));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertEquals("wal", rs.getString(1));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT version, name FROM postern_schema_version")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
            assertEquals("directory", rs.getString(2));
        }
    }
}
