package org.postern.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Helpers shared by the real database servers the tests start ({@link MariaDbServer}, {@link PostgresServer}). */
final class DbServers {
    private DbServers() {
    }

    /** Runs a command to completion; throws with its output when it fails or hangs. */
    static String run(List<String> command, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).directory(new java.io.File(System.getProperty("java.io.tmpdir")))
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            String text = new String(out, java.nio.charset.StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("failed (exit " + p.exitValue() + "): " + command + "\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The command run as another system user (tests run as root here and in CI). */
    static List<String> as(String user, String... command) {
        List<String> c = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name")) || user == null) {
            c.addAll(List.of(command));
            return c;
        }
        c.addAll(List.of("runuser", "-u", user, "--"));
        c.addAll(List.of(command));
        return c;
    }

    static void chown(Path dir, String user) {
        if ("root".equals(System.getProperty("user.name"))) {
            run(List.of("chown", "-R", user + ":", dir.toString()), 30);
        }
    }

    /** Waits until something accepts TCP connections on 127.0.0.1:port. */
    static void awaitPort(int port, long timeoutMillis, Process process, Path log) {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("server exited during start-up:\n" + tail(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
        throw new IllegalStateException("server did not listen on port " + port + " in time:\n" + tail(log));
    }

    static String tail(Path log) {
        try {
            if (log == null || !Files.exists(log)) {
                return "(no log)";
            }
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort at JVM exit
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }
}
