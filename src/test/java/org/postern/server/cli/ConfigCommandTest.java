package org.postern.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code postern config check|show} in-process: every problem reported, listener overrides shown. */
class ConfigCommandTest {
    @TempDir
    Path tmp;

    private Path write(String text) throws Exception {
        Path conf = tmp.resolve("postern.toml");
        Files.writeString(conf, text);
        return conf;
    }

    private static List<String> errorLines(DirectoryCommandsTest.Result r) {
        return r.err().lines().filter(l -> l.contains("postern.toml:")).toList();
    }

    @Test
    void checkReportsEveryErrorOfTheFileNotOnlyTheFirstKind() throws Exception {
        // two the loader finds (unknown key, bad value) and one only the policy finds (a restriction
        // that does not exist): before, the loader's two stopped 'config check' and the third was never reported
        Path conf = write("""
                [server]
                data_directory = "data"
                [smtpd]
                message_size_limt = "10m"
                smtpd_timeout = "soon"
                smtpd_recipient_restrictions = "permit_mynetworks, reject_unauth_destination, reject_everything"
                """);
        var r = DirectoryCommandsTest.run(null, "config", "check", "--config", conf.toString());
        assertNotEquals(0, r.exit(), r.toString());
        List<String> errors = errorLines(r);
        assertEquals(3, errors.size(), r.err());
        assertTrue(errors.get(0).contains("postern.toml:4: smtpd.message_size_limt: unknown key; did you mean 'message_size_limit'?"), errors.get(0));
        assertTrue(errors.get(1).contains("postern.toml:5: smtpd.smtpd_timeout: bad value"), errors.get(1));
        assertTrue(errors.get(2).contains("postern.toml:6: smtpd.smtpd_recipient_restrictions: "), errors.get(2));
        assertTrue(errors.get(2).contains("reject_everything"), errors.get(2));
    }

    @Test
    void checkReportsEveryComponentErrorWithItsLineAndKey() throws Exception {
        Path conf = write("""
                [server]
                data_directory = "data"
                dns_servers = "[::1"
                [smtpd]
                smtpd_client_restrictions = "check_nothing"
                [queue]
                notify_classes = "bounce, gossip"
                [listen.smtp]
                smtpd_hard_error_limit = 0
                """);
        var r = DirectoryCommandsTest.run(null, "config", "check", "--config", conf.toString());
        assertNotEquals(0, r.exit(), r.toString());
        List<String> errors = errorLines(r);
        assertEquals(4, errors.size(), r.err());
        String all = String.join("\n", errors);
        assertTrue(all.contains("postern.toml:3: server.dns_servers: bad DNS server"), all);
        assertTrue(all.contains("postern.toml:5: smtpd.smtpd_client_restrictions: "), all);
        assertTrue(all.contains("postern.toml:7: queue.notify_classes: unknown class 'gossip'"), all);
        assertTrue(all.contains("postern.toml:9: listen.smtp.smtpd_hard_error_limit: must be positive, got 0"), all);
    }

    @Test
    void serveRefusesToStartListingEveryError() throws Exception {
        Path conf = write("""
                [server]
                data_directory = "data"
                [smtpd]
                smtpd_timeout = "soon"
                [listen.lmtp]
                queue_directory = "elsewhere"
                """);
        var r = DirectoryCommandsTest.run(null, "serve", "--config", conf.toString());
        assertNotEquals(0, r.exit(), r.toString());
        List<String> errors = errorLines(r);
        assertEquals(2, errors.size(), r.err());
        assertTrue(errors.get(0).contains("postern.toml:4: smtpd.smtpd_timeout: bad value"), errors.get(0));
        assertTrue(errors.get(1).contains("postern.toml:6: listen.lmtp.queue_directory: not a per-listener setting"), errors.get(1));
    }

    @Test
    void showPrintsEachListenersOverrides() throws Exception {
        Path conf = write("""
                [server]
                data_directory = "data"
                [smtpd]
                smtpd_helo_required = "yes"
                [listen.smtp]
                address = "127.0.0.1:2525"
                smtpd_helo_required = "no"
                [listen.lmtp.smtpd]
                message_size_limit = "1m"
                """);
        var r = DirectoryCommandsTest.run(null, "config", "show", "--config", conf.toString());
        assertEquals(0, r.exit(), r.toString());
        String out = r.out();
        assertTrue(out.contains("[smtpd]\nsmtpd_helo_required = \"yes\"\n"), out);
        assertTrue(out.contains("[listen.smtp]\naddress = \"127.0.0.1:2525\"\nsmtpd_helo_required = \"no\"\n"), out);
        assertTrue(out.contains("[listen.lmtp]\nmessage_size_limit = \"1048576\"\n"), out);
        assertTrue(!out.contains("[listen]\nsmtp ="), "the address is printed once, in the listener's table: " + out);
        // what show prints loads back (valid TOML, the same overrides)
        Path again = write(out);
        assertEquals(0, DirectoryCommandsTest.run(null, "config", "check", "--config", again.toString()).exit());
    }
}
