package org.postern.smtp.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.config.Config;
import org.postern.directory.Directory;
import org.postern.net.Listener;
import org.postern.server.config.AllSettings;
import org.postern.server.logging.SyslogLayout;
import org.postern.smtp.policy.RestrictionPolicy;
import org.postern.testkit.Peers;
import org.slf4j.LoggerFactory;

/**
 * Our smtpd reject lines, rendered by the server's syslog layout, must be what fail2ban filters
 * written for Postfix expect: the seed's postfix-enum.conf and Debian's postfix.conf, checked with
 * the real fail2ban-regex. The session runs with the real restriction policy (its defaults: no
 * relay, unknown users rejected) behind a PROXY header, so the client is a routable address.
 */
class SmtpLogFail2banTest {

    @TempDir
    Path dir;

    static final class OneUserDirectory implements Directory {
        @Override
        public boolean isLocalDomain(String domain) {
            return domain.equals("test.local");
        }

        @Override
        public Resolution resolve(Address a) {
            return a.key().equals("u@test.local") ? new Resolution(List.of(new Mailbox(a, null)), List.of(), null, List.of())
                    : Resolution.notFound("no such user", List.of());
        }

        @Override
        public Optional<Mailbox> mailbox(Address a) {
            return a.key().equals("u@test.local") ? Optional.of(new Mailbox(a, null)) : Optional.empty();
        }

        @Override
        public Optional<String> passwordHash(String login) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void rejectLinesMatchFail2banFilters() throws Exception {
        Path regex = Peers.require("fail2ban-regex");
        Config c = Config.defaults(AllSettings.list());
        RestrictionPolicy policy = RestrictionPolicy.fromConfig(c, new OneUserDirectory(), null, null);
        TestQueue queue = new TestQueue(Files.createDirectories(dir.resolve("q")));
        SmtpServerConfig cfg = SmtpServerConfig.from(c, "smtp", "mx.test.local").withErrorLimits(10, 20, Duration.ZERO);
        Path logFile = dir.resolve("maillog");

        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        SyslogLayout layout = new SyslogLayout("mx", "postfix", 4242, ZoneId.systemDefault());
        layout.setContext(ctx);
        layout.start();
        FileAppender<ILoggingEvent> app = new FileAppender<>();
        app.setContext(ctx);
        app.setFile(logFile.toString());
        app.setLayout(layout);
        app.start();
        Logger smtpd = ctx.getLogger("smtpd");
        ch.qos.logback.classic.Level before = smtpd.getLevel();
        smtpd.setLevel(ch.qos.logback.classic.Level.INFO);
        smtpd.addAppender(app);
        Listener l = new Listener(new Listener.Options("smtp", new InetSocketAddress("127.0.0.1", 0), 10, null, null, false, true,
                Duration.ofSeconds(5), null), new SmtpServer(cfg, policy, queue, null)).start();
        try {
            for (int i = 0; i < 3; i++) {
                try (SmtpServerTest.Raw r = new SmtpServerTest.Raw(l.port())) {
                    r.send("PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n");
                    r.reply();
                    r.cmd("EHLO probe.example");
                    r.cmd("MAIL FROM:<a@example.org>");
                    SmtpServerTest.starts("554 5.7.1 <x@elsewhere.example>: Relay access denied", r.cmd("RCPT TO:<x@elsewhere.example>"));
                    SmtpServerTest.starts("550 5.1.1 <nobody" + i + "@test.local>: Recipient address rejected: User unknown in virtual mailbox table",
                            r.cmd("RCPT TO:<nobody" + i + "@test.local>"));
                    r.cmd("QUIT");
                }
            }
        } finally {
            l.stop(Duration.ofSeconds(2));
            smtpd.detachAppender(app);
            smtpd.setLevel(before);
            app.stop();
        }
        String log = Files.readString(logFile);
        assertTrue(log.contains(" mx postfix/smtpd[4242]: NOQUEUE: reject: RCPT from unknown[203.0.113.7]: 554 5.7.1 "
                + "<x@elsewhere.example>: Relay access denied; from=<a@example.org> to=<x@elsewhere.example> proto=ESMTP helo=<probe.example>"), log);

        Path filters = Files.createDirectories(dir.resolve("filter.d"));
        // (the seed's postfix.conf lost its continuation-line indentation in the document and does not
        // load in fail2ban; Debian's postfix.conf below is the filter it was derived from)
        try (InputStream in = getClass().getResourceAsStream("/fail2ban/postfix-enum.conf")) {
            Files.copy(in, filters.resolve("postfix-enum.conf"));
        }
        // seed 001 §16: enumeration filter
        assertEquals(3, matches(regex, logFile, filters.resolve("postfix-enum.conf").toString()), "postfix-enum (seed)");
        // Debian's postfix filter, which the seed's jail builds on: relay probes and unknown users
        assertEquals(6, matches(regex, logFile, "/etc/fail2ban/filter.d/postfix.conf"), "postfix.conf (Debian)");
        assertEquals(6, matches(regex, logFile, "/etc/fail2ban/filter.d/postfix.conf[mode=aggressive]"), "postfix.conf aggressive");
    }

    /** Runs fail2ban-regex and returns its "Failregex: N total". */
    static int matches(Path fail2banRegex, Path log, String filter) throws Exception {
        Process p = new ProcessBuilder(fail2banRegex.toString(), log.toString(), filter).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("Failregex: (\\d+) total").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }
}
