package org.postern.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A private Postfix instance (the Debian package's binaries) on a free loopback port, in its own
 * temporary directory: its own config directory (a copy of /etc/postfix edited with
 * {@code postconf -c}), queue, data directory, instance and syslog name, so several instances
 * (other tests running concurrently) never collide and the system's Postfix is never touched.
 *
 * <p>Modes:
 * <ul>
 *   <li>{@link #deliverToMaildir(String, String...)}: the baseline; delivers mail for the domain into its own
 *       Maildirs ({@code ROOT/mail/DOMAIN/USER/new}) with the {@code virtual} agent;</li>
 *   <li>{@link #relayTo(int)}: relays everything it accepts to {@code [127.0.0.1]:PORT} (our SMTP);</li>
 *   <li>{@link #lmtpTo(int, String)}: delivers mail for the domain to {@code lmtp:inet:127.0.0.1:PORT}
 *       (our LMTP), as a Postfix in front of Dovecot does.</li>
 * </ul>
 * Postfix needs root (its master starts processes as {@code mail_owner=postfix}); the tests run
 * as root here and in CI. Errors of {@code postfix start} are only visible when it runs under a
 * terminal, so commands run under {@code script -qc}. The instance stops in {@link #close()} and,
 * failing that, in a shutdown hook; its directory is then deleted (kept when POSTERN_KEEP_TMP=1).
 */
public final class PostfixPeer implements AutoCloseable {
    /** uid/gid the {@code virtual} agent writes Maildirs as (it refuses root). */
    public static final int VMAIL_ID = 5000;

    private final Path root;
    private final Path conf;
    private final int port;
    private final String name;
    private final Thread hook;
    private boolean running;

    private PostfixPeer(Path root, int port, String name) {
        this.root = root;
        this.conf = root.resolve("etc");
        this.port = port;
        this.name = name;
        this.hook = new Thread(this::stopQuietly, "stop " + name);
    }

    /** Baseline: accepts mail for {@code domain} from anyone and stores it in its own Maildirs. */
    public static PostfixPeer deliverToMaildir(String domain, String... users) {
        Builder b = builder();
        StringBuilder map = new StringBuilder("inline:{");
        for (int i = 0; i < users.length; i++) {
            map.append(i == 0 ? " " : ", ").append(users[i]).append('@').append(domain)
                    .append('=').append(domain).append('/').append(users[i]).append('/');
        }
        map.append(" }");
        return b.set("virtual_mailbox_domains", domain)
                .set("virtual_mailbox_base", "${ROOT}/mail")
                .set("virtual_mailbox_maps", users.length == 0 ? "static:" + domain + "/user/" : map.toString())
                .set("virtual_uid_maps", "static:" + VMAIL_ID)
                .set("virtual_gid_maps", "static:" + VMAIL_ID)
                .set("virtual_minimum_uid", "100")
                .start();
    }

    /** Relays everything it accepts (from mynetworks) to our SMTP listener on 127.0.0.1:port. */
    public static PostfixPeer relayTo(int port) {
        return builder().relayTo(port).start();
    }

    /** Accepts mail for {@code domain} (any local part) and delivers it over LMTP to 127.0.0.1:port. */
    public static PostfixPeer lmtpTo(int port, String domain) {
        return builder().lmtpTo(port, domain).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects main.cf settings; {@code ${ROOT}} in a value is replaced by the instance's directory. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();

        public Builder set(String key, String value) {
            settings.put(key, value);
            return this;
        }

        public Builder relayTo(int port) {
            return set("relayhost", "[127.0.0.1]:" + port)
                    .set("default_transport", "smtp")
                    .set("relay_transport", "relay");
        }

        public Builder lmtpTo(int port, String domain) {
            return set("virtual_mailbox_domains", domain)
                    .set("virtual_mailbox_maps", "static:" + domain)
                    .set("virtual_transport", "lmtp:inet:127.0.0.1:" + port);
        }

        public PostfixPeer start() {
            Peers.require("postfix", "postconf", "script");
            requireRoot();
            try {
                return launch(settings);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void requireRoot() {
        String uid = run(Duration.ofSeconds(10), "id", "-u").trim();
        if (!"0".equals(uid)) {
            String msg = "a private Postfix instance needs root (tests run as root in CI)";
            if (Peers.required()) {
                Assertions.fail(msg);
            }
            Assumptions.abort(msg);
        }
    }

    private static PostfixPeer launch(Map<String, String> extra) throws IOException {
        Path root = Files.createTempDirectory("postfix-peer-");
        // Postfix daemons (user postfix) must traverse the path to their queue.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path etc = root.resolve("etc");
        run(Duration.ofSeconds(30), "cp", "-a", "/etc/postfix", etc.toString());
        // makedefs.out is a symlink out of the directory; postfix-script warns about it.
        Files.deleteIfExists(etc.resolve("makedefs.out"));
        for (String d : List.of("spool", "data", "mail")) {
            Files.createDirectories(root.resolve(d));
        }
        run(Duration.ofSeconds(10), "chown", "postfix", root.resolve("data").toString());
        run(Duration.ofSeconds(10), "chown", VMAIL_ID + ":" + VMAIL_ID, root.resolve("mail").toString());

        String name = "postfix-" + UUID.randomUUID().toString().substring(0, 8);
        int port = Peers.freePort();
        Map<String, String> s = new LinkedHashMap<>();
        s.put("queue_directory", root.resolve("spool").toString());
        s.put("data_directory", root.resolve("data").toString());
        s.put("mail_owner", "postfix");
        s.put("inet_interfaces", "127.0.0.1");
        s.put("inet_protocols", "ipv4");
        s.put("myhostname", "peer.example.net");
        s.put("mydestination", "");
        s.put("mynetworks", "127.0.0.0/8");
        s.put("smtp_dns_support_level", "disabled");
        s.put("multi_instance_name", name);
        s.put("syslog_name", name);
        s.put("maillog_file", root.resolve("maillog").toString());
        s.put("maillog_file_prefixes", "/var,/dev/stdout,/tmp");
        s.put("alias_maps", "");
        s.put("alias_database", "");
        s.put("smtpd_relay_restrictions", "permit_mynetworks reject_unauth_destination");
        // Short retry intervals: a test that restarts its target should not wait 5 minutes.
        s.put("queue_run_delay", "1s");
        s.put("minimal_backoff_time", "1s");
        s.put("maximal_backoff_time", "2s");
        s.put("smtp_connect_timeout", "5s");
        s.put("lmtp_connect_timeout", "5s");
        for (Map.Entry<String, String> e : extra.entrySet()) {
            s.put(e.getKey(), e.getValue().replace("${ROOT}", root.toString()));
        }
        List<String> cmd = new ArrayList<>(List.of("postconf", "-c", etc.toString(), "-e"));
        s.forEach((k, v) -> cmd.add(k + "=" + v));
        run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
        run(Duration.ofSeconds(30), "postconf", "-c", etc.toString(), "-F", "*/*/chroot = n");
        run(Duration.ofSeconds(30), "postconf", "-c", etc.toString(), "-M#", "smtp/inet");
        run(Duration.ofSeconds(30), "postconf", "-c", etc.toString(), "-M",
                "127.0.0.1:" + port + "/inet=127.0.0.1:" + port + " inet n - n - - smtpd");
        run(Duration.ofSeconds(30), "postconf", "-c", etc.toString(), "-M",
                "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd");

        PostfixPeer peer = new PostfixPeer(root, port, name);
        Runtime.getRuntime().addShutdownHook(peer.hook);
        peer.running = true;
        try {
            peer.postfix("start");
            SmtpClient.awaitGreeting("127.0.0.1", port, Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            String log = peer.log();
            peer.close();
            throw new IllegalStateException("private Postfix did not start: " + e.getMessage() + "\n" + log, e);
        }
        return peer;
    }

    /** The smtpd port on 127.0.0.1. */
    public int port() {
        return port;
    }

    public Path root() {
        return root;
    }

    public Path configDirectory() {
        return conf;
    }

    /** Instance and syslog name (unique per instance), the program name in its log lines. */
    public String name() {
        return name;
    }

    /** The Maildir of a user in maildir mode: {@code ROOT/mail/DOMAIN/USER}. */
    public Path maildir(String domain, String user) {
        return root.resolve("mail").resolve(domain).resolve(user);
    }

    /** Number of delivered messages in {@code maildir/new}. */
    public static int countNew(Path maildir) {
        Path n = maildir.resolve("new");
        if (!Files.isDirectory(n)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(n)) {
            return (int) s.count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The instance's log (maillog_file written by postlogd). */
    public String log() {
        try {
            Path f = root.resolve("maillog");
            return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public Path logFile() {
        return root.resolve("maillog");
    }

    /** Counts log lines matching {@code regex} (searched within each line). */
    public int countLog(String regex) {
        Pattern p = Pattern.compile(regex);
        int n = 0;
        for (String line : log().split("\n")) {
            if (p.matcher(line).find()) {
                n++;
            }
        }
        return n;
    }

    /** Waits until at least {@code count} log lines match {@code regex}; fails with the log otherwise. */
    public void awaitLog(String regex, int count, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (countLog(regex) < count) {
            if (System.nanoTime() > end) {
                Assertions.fail("Postfix log has " + countLog(regex) + " lines matching /" + regex + "/, wanted "
                        + count + ":\n" + log());
            }
            sleep(100);
        }
    }

    /** Queue IDs with a final {@code status=sent} in the log. */
    public List<String> sentIds() {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("\\]: ([0-9A-F]+): to=<[^>]*>.* status=sent ").matcher(log());
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    /** Whether the queue is empty ({@code postqueue -p}). */
    public boolean queueEmpty() {
        String out = run(Duration.ofSeconds(30), "postqueue", "-c", conf.toString(), "-p");
        return out.contains("Mail queue is empty");
    }

    /** Asks the instance to retry deferred mail now ({@code postqueue -f}). */
    public void flush() {
        run(Duration.ofSeconds(30), "postqueue", "-c", conf.toString(), "-f");
    }

    /** Runs {@code postconf -c CONF -e key=value} and reloads the running instance. */
    public void reconfigure(String key, String value) {
        run(Duration.ofSeconds(30), "postconf", "-c", conf.toString(), "-e", key + "=" + value);
        postfix("reload");
    }

    private void postfix(String verb) {
        run(Duration.ofSeconds(60), "script", "-qec", "postfix -c " + conf + " " + verb, "/dev/null");
    }

    @Override
    public synchronized void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook runs (or ran) stopQuietly itself
        }
    }

    private synchronized void stopQuietly() {
        if (!running) {
            return;
        }
        running = false;
        try {
            postfix("stop");
        } catch (RuntimeException e) {
            // postfix stop fails when the master is already gone; abort kills what is left
            try {
                postfix("abort");
            } catch (RuntimeException ignored) {
                // nothing left to stop
            }
        }
        Path pidFile = root.resolve("spool/pid/master.pid");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < end) {
                    sleep(50);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // no pid file: the master never started
        }
        if (!"1".equals(System.getenv("POSTERN_KEEP_TMP"))) {
            try {
                run(Duration.ofSeconds(60), "rm", "-rf", root.toString());
            } catch (RuntimeException ignored) {
                // best effort: a temp directory left behind
            }
        }
    }

    static String run(Duration timeout, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
