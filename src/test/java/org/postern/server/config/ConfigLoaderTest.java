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
}
