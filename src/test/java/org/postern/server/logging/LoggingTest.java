package org.postern.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.config.Config;
import org.postern.directory.password.Passwords;
import org.postern.server.Main;
import org.postern.server.config.ConfigLoader;
import org.slf4j.LoggerFactory;

/** The [log] settings applied to Logback: line format, escaping, levels, files, and no secrets in the log. */
class LoggingTest {
    @TempDir
    Path dir;

    private static final String LINE = "^[A-Z][a-z]{2} \\d{2} \\d{2}:\\d{2}:\\d{2} ";

    @AfterEach
    void restoreTestLogging() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        new ContextInitializer(ctx).autoConfig();
    }

    private Config config(String toml) throws Exception {
        Path conf = dir.resolve("postern.toml");
        Files.writeString(conf, toml);
        return ConfigLoader.standard().load(conf);
    }

    /** The log file's lines (after the writer thread wrote what is queued). */
    private List<String> logLines() throws Exception {
        Logging.flush();
        return Files.readAllLines(dir.resolve("log/mail.log"), StandardCharsets.UTF_8);
    }

    private static final String FILE_ONLY = """
            [server]
            myhostname = "mx.example.org"
            [log]
            stdout = false
            file = "log/mail.log"
            """;

    @Test
    void postfixAndDovecotStyleLines() throws Exception {
        Logging.configure(config(FILE_ONLY + "syslog_name = \"postfix-test\"\n"));
        long pid = ProcessHandle.current().pid();
        LoggerFactory.getLogger("smtpd").info("connect from localhost[127.0.0.1]");
        LoggerFactory.getLogger("submission/smtpd").warn("unknown[127.0.0.2]: SASL PLAIN authentication failed: authentication failure");
        LoggerFactory.getLogger("imap-login").info("Login: user=<a@example.org>");
        LoggerFactory.getLogger("directory").error("database unreachable");
        LoggerFactory.getLogger("postern").info("started");
        LoggerFactory.getLogger("com.example.SomeLibrary").warn("library says");
        LoggerFactory.getLogger("qmgr").debug("not shown at info");
        List<String> lines = logLines();
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches(LINE + "mx\\.example\\.org postfix-test/smtpd\\[" + pid + "\\]: connect from localhost\\[127\\.0\\.0\\.1\\]$"), lines.get(0));
        assertTrue(lines.get(1).matches(LINE + "mx\\.example\\.org postfix-test/submission/smtpd\\[" + pid
                + "\\]: warning: unknown\\[127\\.0\\.0\\.2\\]: SASL PLAIN authentication failed: authentication failure$"), lines.get(1));
        assertTrue(lines.get(2).matches(LINE + "mx\\.example\\.org dovecot\\[" + pid + "\\]: imap-login: Login: user=<a@example\\.org>$"), lines.get(2));
        assertTrue(lines.get(3).endsWith(" postern/directory[" + pid + "]: error: database unreachable"), lines.get(3));
        assertTrue(lines.get(4).endsWith(" postern[" + pid + "]: started"), lines.get(4));
        assertTrue(lines.get(5).endsWith(" postern[" + pid + "]: SomeLibrary: warning: library says"), lines.get(5));
    }

    @Test
    void controlCharactersAreEscapedSoNoLineCanBeForged() throws Exception {
        Logging.configure(config(FILE_ONLY));
        String evil = "helo=<x>\r\nNov 21 15:37:01 mx postfix/smtpd[1]: fake\u0000\u001b[31m\u2028end";
        LoggerFactory.getLogger("smtpd").info("reject: {}", evil);
        LoggerFactory.getLogger("smtpd").warn("failed", new java.io.IOException("bad\nthing"));
        List<String> lines = logLines();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).endsWith("reject: helo=<x>\\r\\nNov 21 15:37:01 mx postfix/smtpd[1]: fake\\x00\\x1b[31m\\u2028end"), lines.get(0));
        assertTrue(lines.get(1).endsWith("warning: failed (IOException: bad\\nthing)"), "no stack trace at info: " + lines.get(1));
    }

    @Test
    void stackTracesOnlyAtDebug() throws Exception {
        Logging.configure(config(FILE_ONLY + "levels = \"smtpd=debug\"\n"));
        Exception e = new IllegalStateException("outer", new java.io.IOException("inner\r\nforged"));
        LoggerFactory.getLogger("smtpd").error("with trace", e);
        LoggerFactory.getLogger("qmgr").error("without trace", e);
        List<String> lines = logLines();
        assertTrue(lines.get(0).endsWith("error: with trace"), lines.get(0));
        assertEquals("\tjava.lang.IllegalStateException: outer", lines.get(1));
        assertTrue(lines.get(2).startsWith("\t\tat org.postern.server.logging.LoggingTest."), lines.get(2));
        assertTrue(lines.stream().anyMatch(l -> l.equals("\tCaused by: java.io.IOException: inner\\r\\nforged")), String.join("\n", lines));
        for (String l : lines) {
            assertTrue(l.startsWith("\t") || l.matches(LINE + ".*"), "every line is a log line or indented: " + l);
        }
        String last = lines.getLast();
        assertTrue(last.endsWith("qmgr[" + ProcessHandle.current().pid() + "]: error: without trace (IllegalStateException: outer; caused by IOException: inner\\r\\nforged)"), last);
    }

    @Test
    void levelsPerComponentAndLibrariesAtWarn() throws Exception {
        Logging.configure(config(FILE_ONLY + "level = \"debug\"\nlevels = \"smtpd=warn, directory = error lmtp=trace\"\n"));
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertEquals(Level.DEBUG, ctx.getLogger("qmgr").getEffectiveLevel());
        assertEquals(Level.WARN, ctx.getLogger("smtpd").getEffectiveLevel());
        assertEquals(Level.ERROR, ctx.getLogger("directory").getEffectiveLevel());
        assertEquals(Level.TRACE, ctx.getLogger("lmtp").getEffectiveLevel());
        assertEquals(Level.WARN, ctx.getLogger("com.zaxxer.hikari.pool.HikariPool").getEffectiveLevel());
        assertEquals(Level.WARN, ctx.getLogger("org.mariadb.jdbc.Driver").getEffectiveLevel());

        Logging.configure(config(FILE_ONLY + "levels = \"com.zaxxer=debug\"\n"));
        assertEquals(Level.DEBUG, ctx.getLogger("com.zaxxer.hikari.pool.HikariPool").getEffectiveLevel(), "explicit level wins");
    }

    @Test
    void malformedLevelsAreRejected() throws Exception {
        assertEquals(Map.of("smtpd", Level.DEBUG), Logging.parseLevels(List.of("smtpd=debug")));
        assertEquals(Map.of("smtpd", Level.DEBUG, "imap-login", Level.WARN), Logging.parseLevels(List.of("smtpd", "=", "debug,", "imap-login=warning")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Logging.parseLevels(List.of("smtpd:debug")));
        assertTrue(e.getMessage().contains("expected component=level"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Logging.parseLevels(List.of("smtpd=loud")));
        assertTrue(e.getMessage().contains("unknown level 'loud'"), e.getMessage());

        // validated when the file is loaded, so config check names file, line and key
        ConfigLoader.ConfigException ce = assertThrows(ConfigLoader.ConfigException.class,
                () -> config("[log]\nlevel = \"info\"\nlevels = \"smtpd=debug, qmgr=loud\"\n"));
        assertTrue(ce.getMessage().contains("postern.toml:3: log.levels: bad value: unknown level 'loud' for qmgr"), ce.getMessage());
        Config ok = config("[log]\nlevels = \"smtpd = DEBUG  directory=warn\"\n");
        assertEquals(List.of("smtpd=debug", "directory=warn"), ok.get(org.postern.server.config.ServerSettings.LOG_LEVELS));
    }

    @Test
    void logFileIsReopenedAfterLogrotateMovesIt() throws Exception {
        Logging.configure(config(FILE_ONLY));
        LoggerFactory.getLogger("smtpd").info("before rotation");
        Path log = dir.resolve("log/mail.log");
        Path old = dir.resolve("log/mail.log.1");
        Logging.flush();
        Files.move(log, old);
        Thread.sleep(2500); // the writer looks at the file once a second
        LoggerFactory.getLogger("smtpd").info("after rotation");
        Logging.flush();
        assertTrue(Files.readString(old).contains("before rotation"));
        assertFalse(Files.readString(old).contains("after rotation"));
        assertTrue(Files.readString(log).contains("after rotation"), "a new mail.log is created");
    }

    @Test
    void manyThreadsLoseNoLineAndSplitNone() throws Exception {
        Logging.configure(config(FILE_ONLY));
        int threads = 50;
        int each = 400;
        try (var ex = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                ex.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        LoggerFactory.getLogger("qmgr").info("T{}: line {} of a test that writes a fairly long line", id, i);
                    }
                });
            }
        }
        List<String> lines = logLines();
        assertEquals(threads * each, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.matches(LINE + "mx.example.org postfix/qmgr\\[\\d+\\]: T\\d+: line \\d+ of a test that writes a fairly long line")),
                lines.get(0));
    }

    @Test
    void stdoutAppender() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            Logging.configure(config("[log]\nstdout = true\n"));
            LoggerFactory.getLogger("cleanup").info("ABC123: message-id=<x@y>");
            Logging.flush();
        } finally {
            System.setOut(old);
        }
        assertTrue(buf.toString(StandardCharsets.UTF_8).matches(LINE + "localhost postfix/cleanup\\[\\d+\\]: ABC123: message-id=<x@y>\n"), buf.toString());
    }

    @Test
    void passwordsNeverReachTheLog() throws Exception {
        String dbPassword = "Db-Pa55-word-9f3k";
        String userPassword = "Us3r-Secret-x81q";
        Path conf = dir.resolve("postern.toml");
        Files.writeString(conf, FILE_ONLY.replace("[log]", "[log]\nlevel = \"trace\"")
                + "[directory]\npassword = \"" + dbPassword + "\"\n");
        Config c = ConfigLoader.standard().load(conf);
        Logging.configure(c);
        String stored = Passwords.hash("SSHA512", userPassword.toCharArray());
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run("pw", "-c", conf.toString(), "-p", userPassword));
            System.setIn(new ByteArrayInputStream((userPassword + "\n").getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, Main.run("pw", "-c", conf.toString(), "-t", stored));
            System.setIn(new ByteArrayInputStream((userPassword + "\n").getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, Main.run("pw", "-c", conf.toString(), "-t", "{PLAIN}" + userPassword)); // logs "weak scheme"
            assertEquals(1, Main.run("pw", "-c", conf.toString(), "-p", "wrong-" + userPassword, "-t", "{NOSUCH}" + userPassword));
            assertEquals(0, Main.run("config", "check", "-c", conf.toString()));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Logging.flush();
        String log = Files.readString(dir.resolve("log/mail.log"));
        assertTrue(log.contains("weak scheme PLAIN"), log);
        assertTrue(log.contains("unknown password scheme 'NOSUCH'"), log);
        assertTrue(log.contains("logging: level=TRACE"), log);
        assertFalse(log.contains(dbPassword), log);
        assertFalse(log.contains(userPassword), log);
        assertFalse(log.contains(stored.substring(10)), "nor a stored hash: " + log);
    }
}
