package org.postern.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Real peers (Debian binaries) for tests. A missing peer skips the test, unless
 * POSTERN_REQUIRE_PEERS=1 (set by .ci/run), where it fails: CI never silently skips.
 */
public final class Peers {
    private Peers() {
    }

    public static boolean required() {
        return "1".equals(System.getenv("POSTERN_REQUIRE_PEERS"));
    }

    /** Resolves each command on PATH, /usr/sbin, /usr/lib/... or skips/fails the test. Returns the first one's path. */
    public static Path require(String... commands) {
        Path first = null;
        for (String c : commands) {
            Path p = find(c);
            if (p == null) {
                String msg = "real peer '" + c + "' is not installed (.ci/run installs it)";
                if (required()) {
                    Assertions.fail(msg);
                }
                Assumptions.abort(msg);
            }
            if (first == null) {
                first = p;
            }
        }
        return first;
    }

    public static Path find(String command) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:" + PostgresServer.binDir();
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** A free TCP port on 127.0.0.1 (tests run concurrently: never use fixed ports). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
