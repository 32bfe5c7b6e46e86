package org.postern.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.core.config.Config;
import org.postern.smtp.SmtpSettings;
import org.postern.smtp.queue.QueueSettings;

class ConfigLoaderTest {
    private static final Path FILE = Path.of("/etc/postern/postern.toml");

    private static ConfigLoader.ConfigException fails(String text) {
        return assertThrows(ConfigLoader.ConfigException.class, () -> ConfigLoader.standard().parse(FILE, text));
    }

    @Test
    void defaultsApplyAndValuesAreTyped() throws Exception {
        Config c = ConfigLoader.standard().parse(FILE, """
                [smtpd]
                message_size_limit = "10m"
                [queue]
                minimal_backoff_time = "10m"
                [server]
                dns_servers = ["127.0.0.1:5353", "127.0.0.2"]
                """);
        assertEquals(10L * 1024 * 1024, c.get(SmtpSettings.MESSAGE_SIZE_LIMIT));
        assertEquals(Duration.ofMinutes(10), c.get(QueueSettings.MINIMAL_BACKOFF_TIME));
        assertEquals(List.of("127.0.0.1:5353", "127.0.0.2"), c.get(ServerSettings.DNS_SERVERS));
        assertEquals("localhost", c.get(ServerSettings.MYHOSTNAME));
        assertTrue(c.isExplicit(SmtpSettings.MESSAGE_SIZE_LIMIT));
        assertEquals(Path.of("/etc/postern"), c.baseDir());
    }

    @Test
    void integersAndBooleansAreAccepted() throws Exception {
        Config c = ConfigLoader.standard().parse(FILE, "[smtpd]\nmessage_size_limit = 1000\n[log]\nstdout = false\n");
        assertEquals(1000L, c.get(SmtpSettings.MESSAGE_SIZE_LIMIT));
        assertEquals(false, c.get(ServerSettings.LOG_STDOUT));
    }

    @Test
    void unknownKeyNamesFileLineKeyAndSuggestion() {
        var e = fails("\n[smtpd]\nmessage_size_limt = 5\n");
        assertEquals("/etc/postern/postern.toml:3: smtpd.message_size_limt: unknown key; did you mean 'message_size_limit'?",
                e.getMessage());
    }

    @Test
    void keyInTheWrongSectionSaysWhereItBelongs() {
        var e = fails("[server]\nmessage_size_limit = 5\n");
        assertTrue(e.getMessage().contains(":2: server.message_size_limit: unknown key; it belongs in [smtpd]"), e.getMessage());
    }

    @Test
    void badValueNamesTheLine() {
        var e = fails("[smtpd]\n\n\nmessage_size_limit = \"lots\"\n");
        assertTrue(e.getMessage().startsWith("/etc/postern/postern.toml:4: smtpd.message_size_limit: bad value: expected a size"),
                e.getMessage());
    }

    @Test
    void badListenAddress() {
        var e = fails("[listen]\nsmtp = \"0.0.0.0\"\n");
        assertTrue(e.getMessage().contains(":2: listen.smtp: bad value: expected host:port"), e.getMessage());
    }

    @Test
    void unknownSectionAndSyntaxErrors() {
        assertTrue(fails("[smptd]\nx = 1\n").getMessage().contains(":1: [smptd]: unknown section; did you mean 'smtpd'?"));
        assertTrue(fails("[smtpd]\nmessage_size_limit = = 3\n").getMessage().contains(":2: syntax error"));
        assertTrue(fails("myhostname = \"a\"\n").getMessage().contains("did you mean [server] myhostname?"));
    }

    @Test
    void everyProblemIsReported() {
        var e = fails("[smtpd]\nfoo = 1\nbar = 2\n");
        assertEquals(2, e.problems().size());
    }

    @Test
    void renderedDefaultConfigLoadsBack() throws Exception {
        String text = ConfigWriter.render(AllSettings.list(), java.util.Map.of("server.myhostname", "mx.example.org"), "test");
        Config c = ConfigLoader.standard().parse(FILE, text);
        assertEquals("mx.example.org", c.get(ServerSettings.MYHOSTNAME));
    }

    @Test
    void listenerOverridesWinInTheListenersViewOnly() throws Exception {
        Config c = ConfigLoader.standard().parse(FILE, """
                [smtpd]
                message_size_limit = "10m"
                [listen.smtp]
                address = "127.0.0.1:2525"
                smtpd_helo_required = "no"
                smtpd_recipient_restrictions = ["permit_mynetworks", "reject"]
                [listen.lmtp.smtpd]
                message_size_limit = "1m"
                [listen.submission.tls]
                protocols = "TLSv1.3"
                """);
        assertEquals("127.0.0.1:2525", c.get(ServerSettings.SMTP));
        assertEquals(true, c.get(org.postern.smtp.policy.PolicySettings.HELO_REQUIRED));
        Config smtp = c.forListener("smtp");
        assertEquals(false, smtp.get(org.postern.smtp.policy.PolicySettings.HELO_REQUIRED));
        assertEquals(List.of("permit_mynetworks", "reject"), smtp.get(org.postern.smtp.policy.PolicySettings.RECIPIENT_RESTRICTIONS));
        assertEquals(10L * 1024 * 1024, smtp.get(SmtpSettings.MESSAGE_SIZE_LIMIT), "not overridden: the global value");
        assertEquals(1024L * 1024, c.forListener("lmtp").get(SmtpSettings.MESSAGE_SIZE_LIMIT));
        assertEquals(List.of("TLSv1.3"), c.forListener("submission").get(ServerSettings.PROTOCOLS));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), c.forListener("submissions").get(ServerSettings.PROTOCOLS));
        assertEquals("smtp", smtp.listener());
        assertEquals(false, c.forListener("lmtp").forListener("smtp").get(org.postern.smtp.policy.PolicySettings.HELO_REQUIRED),
                "a view's view is the other listener's view, not a mix");
        // an error about an overridden setting points at the override's line and names it
        assertEquals("/etc/postern/postern.toml:5: listen.smtp.smtpd_helo_required: x",
                smtp.error(org.postern.smtp.policy.PolicySettings.HELO_REQUIRED.key(), "x").toString());
        assertEquals("/etc/postern/postern.toml:2: smtpd.message_size_limit: x",
                smtp.error(SmtpSettings.MESSAGE_SIZE_LIMIT.key(), "x").toString());
        assertThrows(IllegalArgumentException.class, () -> c.forListener("imap"));
    }

    @Test
    void overridingAProcessWideSettingNamesFileLineAndKey() {
        var e = fails("[listen.smtp]\naddress = \"*:25\"\nqueue_directory = \"/tmp/q\"\n[listen.lmtp.server]\nmyhostname = \"x\"\n");
        assertEquals(List.of(
                "/etc/postern/postern.toml:3: listen.smtp.queue_directory: not a per-listener setting (one value for the whole server); set it in [queue]",
                "/etc/postern/postern.toml:5: listen.lmtp.server.myhostname: not a per-listener setting (one value for the whole server); set it in [server]"),
                e.problems().stream().map(Object::toString).toList());
    }

    @Test
    void listenerTableProblems() {
        var e = fails("""
                [listen.smtp]
                smtpd_helo_requird = "yes"
                address = "nowhere"
                message_size_limit = "lots"
                [listen.imap]
                address = "*:143"
                """);
        assertEquals(4, e.problems().size(), e.getMessage());
        assertEquals("/etc/postern/postern.toml:2: listen.smtp.smtpd_helo_requird: unknown key; did you mean 'smtpd_helo_required'?",
                e.problems().get(0).toString());
        assertEquals(3, e.problems().get(1).line());
        assertEquals("listen.smtp.address", e.problems().get(1).key());
        assertEquals("listen.smtp.message_size_limit", e.problems().get(2).key());
        assertTrue(e.problems().get(3).toString().contains(":5: listen.imap: only the smtp, submission, submissions, lmtp listeners take a table"),
                e.problems().get(3).toString());
    }

    @Test
    void problemsAfterASyntaxErrorAreReportedToo() {
        var e = fails("[smtpd]\nmessage_size_limit = \"lots\"\nsmtpd_timeout = = 3\nsmtpd_banner_x = \"a\"\n");
        assertEquals(List.of(2, 3, 4), e.problems().stream().map(org.postern.core.config.ConfigError::line).toList(), e.getMessage());
    }
}
