package org.postern.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.core.config.Config;
import org.postern.server.config.ServerSettings;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback in code from the [log] settings (there is no logback.xml in the application):
 * Postfix/Dovecot-style lines ({@link SyslogLayout}) to standard output and/or a file (written by
 * {@link AsyncLineAppender}'s writer thread, so loggers never wait for the disk), a default
 * level, levels per component ({@code levels = "smtpd=debug, directory=warn"}) and third-party
 * libraries (pool, JDBC drivers, DNS) at WARN unless a level is given for them.
 */
public final class Logging {
    private Logging() {
    }

    /** Library logger prefixes kept at WARN by default: their INFO chatter is not mail log material. */
    static final List<String> LIBRARIES = List.of("com.zaxxer", "org.mariadb", "org.postgresql", "org.sqlite",
            "org.xerial", "org.flywaydb", "org.xbill", "com.github.benmanes", "org.tomlj", "org.bouncycastle",
            "picocli");

    /**
     * Replaces the logging configuration with the one {@code config} describes (its values were
     * validated when it was loaded).
     */
    public static void configure(Config config) {
        Map<String, Level> levels = parseLevels(config.get(ServerSettings.LOG_LEVELS));
        Level rootLevel = level(config.get(ServerSettings.LOG_LEVEL));
        Path file = null;
        String fileSetting = config.get(ServerSettings.LOG_FILE);
        if (!fileSetting.isBlank()) {
            file = config.path(ServerSettings.DATA_DIRECTORY).resolve(fileSetting).normalize();
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new IllegalArgumentException("log.file: cannot create the directory of " + file + ": " + e.getMessage());
            }
        }
        LoggerContext ctx = context();
        ctx.reset();
        SyslogLayout layout = new SyslogLayout(config.get(ServerSettings.MYHOSTNAME),
                config.get(ServerSettings.SYSLOG_NAME), ProcessHandle.current().pid(), ZoneId.systemDefault());
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        layout.setContext(ctx);
        layout.start();
        if (config.get(ServerSettings.LOG_STDOUT)) {
            root.addAppender(started(ctx, AsyncLineAppender.console(layout, System.out), "console"));
        }
        if (file != null) {
            root.addAppender(started(ctx, AsyncLineAppender.file(layout, file), "file"));
        }
        applyLevels(ctx, rootLevel, levels);
        LoggerFactory.getLogger("postern").debug("logging: level={}, levels={}, stdout={}, file={}",
                rootLevel, levels, config.get(ServerSettings.LOG_STDOUT), file == null ? "none" : file);
    }

    /**
     * The configuration before a config file is read (CLI commands): warnings and errors to standard
     * error, so command output on standard output stays clean.
     */
    static void configureDefault(LoggerContext ctx) {
        ctx.reset();
        SyslogLayout layout = new SyslogLayout(localHostname(), "postfix", ProcessHandle.current().pid(), ZoneId.systemDefault());
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(console(ctx, layout, "System.err"));
        applyLevels(ctx, Level.WARN, Map.of());
    }

    /**
     * Parses "component=level" entries (commas and/or spaces between them, as {@code [log] levels} is
     * written); IllegalArgumentException names the bad entry.
     */
    public static Map<String, Level> parseLevels(List<String> entries) {
        Map<String, Level> out = new LinkedHashMap<>();
        for (String e : ServerSettings.LOG_LEVELS.type().parse(String.join(" ", entries))) {
            int eq = e.indexOf('=');
            out.put(e.substring(0, eq), level(e.substring(eq + 1)));
        }
        return out;
    }

    private static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "error" -> Level.ERROR;
            case "warn", "warning" -> Level.WARN;
            case "info" -> Level.INFO;
            case "debug" -> Level.DEBUG;
            case "trace" -> Level.TRACE;
            case "off" -> Level.OFF;
            default -> throw new IllegalArgumentException("unknown log level '" + name
                    + "' (use error, warn, info, debug or trace)");
        };
    }

    private static void applyLevels(LoggerContext ctx, Level rootLevel, Map<String, Level> levels) {
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(rootLevel);
        for (String lib : LIBRARIES) {
            ctx.getLogger(lib).setLevel(rootLevel.isGreaterOrEqual(Level.WARN) ? rootLevel : Level.WARN);
        }
        levels.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
    }

    private static Appender<ILoggingEvent> console(LoggerContext ctx, SyslogLayout layout, String target) {
        ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
        a.setContext(ctx);
        a.setName("console");
        a.setTarget(target);
        a.setEncoder(encoder(ctx, layout));
        a.start();
        return a;
    }

    private static Appender<ILoggingEvent> started(LoggerContext ctx, AsyncLineAppender a, String name) {
        a.setContext(ctx);
        a.setName(name);
        a.start();
        return a;
    }

    /** Waits (a few seconds at most) until every line logged so far is written out. */
    public static void flush() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(a -> {
            if (a instanceof AsyncLineAppender async) {
                async.flush(5000);
            }
        });
    }

    /** Writes out what is queued and stops the appenders: the last thing a stopping server does. */
    public static void shutdown() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.stop();
        }
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext ctx, SyslogLayout layout) {
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> e = new LayoutWrappingEncoder<>();
        e.setContext(ctx);
        e.setLayout(layout);
        e.setCharset(StandardCharsets.UTF_8);
        e.start();
        return e;
    }

    private static LoggerContext context() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
            return lc;
        }
        throw new IllegalStateException("SLF4J is not bound to Logback: " + LoggerFactory.getILoggerFactory().getClass().getName());
    }

    /** The kernel's host name without a DNS lookup (which may hang on a badly configured host). */
    static String localHostname() {
        try {
            Path p = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(p)) {
                String h = Files.readString(p).strip();
                if (!h.isEmpty()) {
                    return h;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env : "localhost";
    }
}
