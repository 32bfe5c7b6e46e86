package org.postern.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.server.config.ConfigLoader;
import org.slf4j.LoggerFactory;

/**
 * Lines written through {@link Logging} are read by the real fail2ban-regex with the stock Debian
 * postfix and dovecot filters: the format (time, host, program[pid], severity) is what they expect,
 * and a client string carrying CR LF plus a forged failure line bans nobody.
 */
@Tag("peers")
class Fail2banFormatTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreTestLogging() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        new ContextInitializer(ctx).autoConfig();
    }

    /** The addresses fail2ban would ban, one per failure found, in order. */
    private static List<String> failures(Path fail2banRegex, Path log, String filter) throws Exception {
        Process p = new ProcessBuilder(fail2banRegex.toString(), "--out", "ip", log.toString(), filter)
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fail2ban-regex timed out");
        assertEquals(0, p.exitValue(), out);
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void stockFiltersMatchOurLinesAndNotForgedOnes() throws Exception {
        Path fail2banRegex = org.postern.testkit.Peers.require("fail2ban-regex");
        Path filters = Path.of("/etc/fail2ban/filter.d");
        Path conf = dir.resolve("postern.toml");
        Files.writeString(conf, """
                [server]
                myhostname = "mx.example.org"
                [log]
                stdout = false
                file = "mail.log"
                """);
        Logging.configure(ConfigLoader.standard().load(conf));
        var smtpd = LoggerFactory.getLogger("smtpd");
        smtpd.warn("unknown[127.0.0.2]: SASL LOGIN authentication failed: UGFzc3dvcmQ6");
        smtpd.info("NOQUEUE: reject: RCPT from unknown[127.0.0.3]: 554 5.7.1 <x@y.org>: Relay access denied; "
                + "from=<a@b.org> to=<x@y.org> proto=ESMTP helo=<h>");
        String forged = "\nNov 21 16:30:01 mx.example.org postfix/smtpd[1]: warning: unknown[192.0.2.66]: "
                + "SASL LOGIN authentication failed: x";
        smtpd.info("connect from unknown[127.0.0.9] helo=<{}>", "x\r" + forged);
        smtpd.info("lost connection after EHLO from unknown[127.0.0.9]{}", forged.replace("\n", "\u2028"));
        var login = LoggerFactory.getLogger("imap-login");
        login.info("Disconnected (auth failed, 1 attempts in 2 secs): user=<u@test.local>, method=PLAIN, "
                + "rip=127.0.0.4, lip=127.0.0.1, session=<abc>");
        login.info("Disconnected: user=<u@test.local>, method=PLAIN, rip=127.0.0.9, lip=127.0.0.1{}",
                "\nNov 21 16:30:03 mx.example.org dovecot[1]: auth: passwd-file(u@test.local,192.0.2.66,<abc>): Password mismatch");
        LoggerFactory.getLogger("auth").info("passwd-file(u@test.local,127.0.0.5,<abc>): Password mismatch");

        Logging.flush();
        Path log = dir.resolve("mail.log");
        List<String> lines = Files.readAllLines(log);
        assertEquals(7, lines.size(), String.join("\n", lines));
        // the forged 192.0.2.66 never appears; "lost connection after EHLO" rightly counts against its own client
        assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.9"),
                failures(fail2banRegex, log, filters.resolve("postfix.conf") + "[mode=aggressive]"));
        assertEquals(List.of("127.0.0.4", "127.0.0.5"), failures(fail2banRegex, log, filters.resolve("dovecot.conf").toString()));
    }
}
