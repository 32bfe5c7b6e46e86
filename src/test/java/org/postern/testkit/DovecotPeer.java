package org.postern.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Dovecot (Debian's dovecot-core, -imapd, -lmtpd) on free loopback ports, standalone
 * in its own temporary directory: IMAP and LMTP, no TLS, plaintext auth, a passwd-file for users
 * with their homes where the test says, {@code mail_location = maildir:~} (the Maildir is the
 * home, as in the seed's {@code /var/mail/vhosts/%d/%n}).
 *
 * <p>Dovecot refuses uid 0 for mail users; when the test runs as root the users get uid/gid
 * {@link #MAIL_ID} and {@link #handOver(Path)} chowns what Postern wrote so Dovecot may read it.
 */
public final class DovecotPeer implements AutoCloseable {
    /** nobody/nogroup: the mail user when tests run as root. */
    public static final int MAIL_ID = 65534;

    private final Path dir;
    private final Path conf;
    private final int imapPort;
    private final int lmtpPort;
    private final boolean root;
    private final Thread hook;
    private boolean running;
    private Process master;

    /** A mail user: address (the login), password, home (the Maildir). */
    public record User(String address, String password, Path home) {
    }

    private DovecotPeer(Path dir, int imapPort, int lmtpPort, boolean root) {
        this.dir = dir;
        this.conf = dir.resolve("dovecot.conf");
        this.imapPort = imapPort;
        this.lmtpPort = lmtpPort;
        this.root = root;
        this.hook = new Thread(this::stopQuietly, "stop dovecot");
    }

    public static DovecotPeer start(List<User> users) {
        Peers.require("dovecot", "doveadm");
        try {
            boolean root = "root".equals(System.getProperty("user.name"));
            Path dir = Files.createTempDirectory("postern-dovecot");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // auth runs as user dovecot
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("state"));
            DovecotPeer d = new DovecotPeer(dir, Peers.freePort(), Peers.freePort(), root);
            d.write(users);
            // -F: in the foreground, as our child process, its output to a file (a daemonised
            // dovecot would keep our pipe open)
            d.master = new ProcessBuilder("dovecot", "-F", "-c", d.conf.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("master.out").toFile()).start();
            d.running = true;
            Runtime.getRuntime().addShutdownHook(d.hook);
            d.waitForPort(d.imapPort);
            d.waitForPort(d.lmtpPort);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(List<User> users) throws IOException {
        String uid = root ? String.valueOf(MAIL_ID) : String.valueOf(Files.getAttribute(dir, "unix:uid"));
        String gid = root ? String.valueOf(MAIL_ID) : String.valueOf(Files.getAttribute(dir, "unix:gid"));
        StringBuilder pw = new StringBuilder();
        for (User u : users) {
            pw.append(u.address()).append(":{PLAIN}").append(u.password()).append(':').append(uid).append(':').append(gid)
                    .append("::").append(u.home()).append("::\n");
        }
        Path passwd = dir.resolve("users");
        Files.writeString(passwd, pw.toString());
        Files.setPosixFilePermissions(passwd, PosixFilePermissions.fromString("rw-r--r--"));
        String self = System.getProperty("user.name");
        String c = """
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                instance_name = postern-dovecot-%2$d
                listen = 127.0.0.1
                protocols = imap lmtp
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain
                mail_location = maildir:~
                mail_fsync = always
                %4$s
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%%u %1$s/users
                }
                userdb {
                  driver = passwd-file
                  args = username_format=%%u %1$s/users
                }
                service imap-login {
                  inet_listener imap {
                    address = 127.0.0.1
                    port = %2$d
                  }
                  inet_listener imaps {
                    port = 0
                  }
                }
                service lmtp {
                  inet_listener lmtp {
                    address = 127.0.0.1
                    port = %3$d
                  }
                }
                """.formatted(dir, imapPort, lmtpPort,
                root ? "" : "default_login_user = " + self + "\ndefault_internal_user = " + self + "\nfirst_valid_uid = 1");
        Files.writeString(conf, c);
    }

    public int imapPort() {
        return imapPort;
    }

    public int lmtpPort() {
        return lmtpPort;
    }

    public Path log() {
        return dir.resolve("dovecot.log");
    }

    /** Gives a tree Postern wrote (as root) to the mail user, so Dovecot can read and change it. */
    public void handOver(Path tree) {
        if (!root) {
            return;
        }
        run(List.of("chown", "-R", MAIL_ID + ":" + MAIL_ID, tree.toString()));
    }

    /** Runs {@code doveadm -c CONF args...} with {@code input} on its standard input; returns its output. */
    public String doveadm(String input, String... args) {
        List<String> cmd = new ArrayList<>(List.of("doveadm", "-c", conf.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, input);
    }

    private String run(List<String> cmd) {
        return run(cmd, "");
    }

    private String run(List<String> cmd, String input) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out + logTail());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String logTail() {
        try {
            List<String> l = Files.readAllLines(log());
            return "\n--- dovecot.log ---\n" + String.join("\n", l.subList(Math.max(0, l.size() - 20), l.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private void waitForPort(int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (master != null && !master.isAlive()) {
                String out;
                try {
                    out = Files.readString(dir.resolve("master.out"));
                } catch (IOException e) {
                    out = "";
                }
                throw new IllegalStateException("dovecot exited: " + out + logTail());
            }
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("dovecot did not listen on " + port + logTail());
    }

    private void stopQuietly() {
        if (!running) {
            return;
        }
        running = false;
        if (master != null) {
            master.destroy(); // SIGTERM: dovecot stops its children
            try {
                if (!master.waitFor(10, TimeUnit.SECONDS)) {
                    master.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                master.destroyForcibly();
            }
        }
        if (!"1".equals(System.getenv("POSTERN_KEEP_TMP"))) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort
            }
        }
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down
        }
    }
}
