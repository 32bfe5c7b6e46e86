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
        long t0 = System.nanoTime();
        Assembly assembly = start(c, "");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("postern: started in " + ms + " ms (config " + c.file() + ")");
        System.out.println("postern: add a first mailbox with: " + assembly.firstUserHint());
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.out.println("postern: stopping (signal received)");
            assembly.close();
            Logging.shutdown(); // the queued log lines, the last of them "stopped"
            stopped.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
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
