package org.postern.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postern.core.Address;
import org.postern.core.config.Setting;
import org.postern.directory.Directory.DirectoryUnavailableException;
import org.postern.testkit.PostgresServer;

/**
 * A real database outage under a live pool: a private PostgreSQL is stopped and started again.
 * Lookups fail as temporary errors (never "user unknown") within connect_timeout, cached answers
 * keep working (like proxymap), and the pool recovers by itself when the server is back.
 */
@Tag("peers")
class PostgresOutageTest {
    @Test
    void outageAndRecovery() throws Exception {
        PostgresServer pg = PostgresServer.startPrivate();
        String db = pg.createDatabase("outage");
        pg.createOwner(db, "outage_owner", "o-pw");
        Map<Setting<?>, String> s = new HashMap<>(Map.of(DirectorySettings.URL, pg.url(db), DirectorySettings.USER, "outage_owner",
                DirectorySettings.PASSWORD, "o-pw", DirectorySettings.CONNECT_TIMEOUT, "1s"));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        s.put(DirectorySettings.CACHE_TTL, "0");
        try (SqlDirectory uncached = SqlDirectory.open(DirectoryContract.config(s), tmp)) {
            s.put(DirectorySettings.CACHE_TTL, "60s");
            try (SqlDirectory cached = SqlDirectory.open(DirectoryContract.config(s), tmp)) {
                uncached.addDomain("example.org");
                uncached.addUser(Address.parse("bob@example.org"), "{PLAIN}x", null);
                assertTrue(uncached.resolve(Address.parse("bob@example.org")).exists());
                assertTrue(cached.resolve(Address.parse("bob@example.org")).exists());

                pg.halt();
                long t0 = System.nanoTime();
                assertThrows(DirectoryUnavailableException.class, () -> uncached.resolve(Address.parse("bob@example.org")));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 10_000, "failed after " + ms + " ms");
                assertThrows(DirectoryUnavailableException.class, () -> uncached.passwordHash("bob@example.org"));
                assertThrows(DirectoryUnavailableException.class, () -> uncached.addDomain("other.example"));
                // the cache answers what it knows; anything else is a temporary error
                assertTrue(cached.resolve(Address.parse("bob@example.org")).exists());
                assertThrows(DirectoryUnavailableException.class, () -> cached.resolve(Address.parse("carol@example.org")));

                pg.resume();
                long end = System.currentTimeMillis() + 30_000;
                boolean back = false;
                String last = null;
                while (!back && System.currentTimeMillis() < end) {
                    try {
                        back = uncached.resolve(Address.parse("bob@example.org")).exists();
                    } catch (DirectoryUnavailableException e) {
                        last = e.getMessage();
                        Thread.sleep(200);
                    }
                }
                assertTrue(back, "the pool reconnects once the server is back; last error: " + last);
                assertEquals("carol@example.org: no mailbox or alias for carol@example.org",
                        cached.resolve(Address.parse("carol@example.org")).reason());
            }
        }
    }
}
