package org.postern.server.cli;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.postern.core.config.Config;
import org.postern.server.Assembly;
import org.postern.server.logging.Logging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code postern serve}: runs the server in the foreground, logging to stdout. With no
 * configuration named and no ./var, it initialises ./var first (port offset 10000 when not root).
 */
@Command(name = "serve", description = "Run the mail server in the foreground (SIGTERM stops it cleanly).")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        Path conf = config.path();
        if (!config.explicit() && !Files.exists(conf)) {
            firstRun(conf);
        }
        Config c = config.load();
        Logging.configure(c);
        // The stop hook is in place before anything starts: a SIGTERM at any instant, even while the
        // listeners are still opening, ends in a clean stop that says so ("stopped" is logged).
        Stopper stopper = new Stopper();
        Runtime.getRuntime().addShutdownHook(new Thread(stopper::onSignal, "shutdown"));
        long t0 = System.nanoTime();
        Assembly assembly;
        try {
            assembly = start(c, "");
        } catch (RuntimeException | Error e) {
            stopper.started(null);
            throw e;
        }
        if (!stopper.started(assembly)) {
            return 0; // a signal came during start-up: already stopped
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("postern: started in " + ms + " ms (config " + c.file() + ")");
        System.out.println("postern: add a first mailbox with: " + assembly.firstUserHint());
        stopper.awaitStopped();
        return 0;
    }

    /**
     * Start-up and stop as one small state machine, so a signal at any instant has a defined outcome:
     * before the server is up, the starting thread stops it as soon as it is; after, the signal's
     * thread stops it. Either way the JVM's exit waits until the "stopped" line is written.
     */
    static final class Stopper {
        private final CountDownLatch stopped = new CountDownLatch(1);
        private Assembly assembly;
        private boolean signalled;
        private boolean starting = true;

        /** The start-up finished (assembly null: it failed); false when a signal came meanwhile and the server is stopped. */
        boolean started(Assembly a) {
            synchronized (this) {
                starting = false;
                assembly = a;
                if (!signalled && a != null) {
                    return true;
                }
                if (!signalled) {
                    stopped.countDown(); // start-up failed on its own: nothing to stop
                    return false;
                }
            }
            stop(a);
            return false;
        }

        void onSignal() {
            Assembly a;
            synchronized (this) {
                signalled = true;
                a = assembly;
                System.out.println(starting ? "postern: stopping (signal received during start-up)"
                        : "postern: stopping (signal received)");
            }
            if (a != null) {
                stop(a);
            }
            try {
                stopped.await(); // the JVM exits when the hooks return: not before the stop is complete
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void stop(Assembly a) {
            try {
                if (a != null) {
                    a.close();
                }
                Logging.shutdown(); // the queued log lines, the last of them "stopped"
            } finally {
                stopped.countDown();
            }
        }

        void awaitStopped() throws InterruptedException {
            stopped.await();
        }
    }

    /** Starts the server; a start-up problem becomes a one-line CLI error (after the log lines before it). */
    static Assembly start(Config c, String prefix) {
        try {
            return Assembly.start(c);
        } catch (Assembly.StartupException e) {
            Logging.flush();
            throw new CliException(prefix + e.getMessage());
        }
    }

    private static void firstRun(Path conf) {
        Path dir = conf.getParent() == null ? Path.of(".") : conf.getParent();
        boolean root = isRoot();
        int offset = root ? 0 : 10000;
        String host = localHostName();
        String domain = host.indexOf('.') > 0 ? host.substring(host.indexOf('.') + 1) : null;
        if (domain != null && domain.indexOf('.') < 0 && !domain.equals("localdomain")) {
            domain = host; // "mail.example" style: use the full name as the mail domain
        }
        System.out.println("postern: no configuration yet: initialising " + dir.toAbsolutePath().normalize()
                + " for host " + host);
        if (!root) {
            System.out.println("postern: not running as root: using port offset " + offset
                    + " (SMTP on " + (25 + offset) + ", submission " + (587 + offset) + ", LMTP " + (24 + offset) + ")");
        }
        Initializer.init(new Initializer.Options(dir, host, domain, offset, List.of()), System.out);
    }

    static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer i && i == 0;
        } catch (Exception e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static String localHostName() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName().toLowerCase(java.util.Locale.ROOT);
            return h.isEmpty() || h.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.' || ch == ':') ? "localhost" : h;
        } catch (Exception e) {
            return "localhost";
        }
    }
}
