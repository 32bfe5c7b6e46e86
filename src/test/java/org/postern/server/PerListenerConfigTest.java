package org.postern.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.config.Config;
import org.postern.server.config.ConfigLoader;
import org.postern.testkit.Peers;
import org.postern.testkit.SmtpClient;

/**
 * Per-listener overrides ({@code [listen.NAME]}, Postfix's master.cf -o) take effect over real
 * sockets: the port-25 listener gets its own smtpd_helo_required and recipient restrictions, LMTP
 * its own message size, and what a listener does not override stays global.
 */
class PerListenerConfigTest {
    @TempDir
    Path tmp;

    @Test
    void eachListenerServesWithItsOwnView() throws Exception {
        int smtpPort = Peers.freePort();
        int lmtpPort = Peers.freePort();
        Path file = tmp.resolve("postern.toml");
        Files.writeString(file, """
                [server]
                myhostname = "mx.test.local"
                data_directory = "data"
                [listen]
                submission = ""
                submissions = ""
                imap = ""
                imaps = ""
                pop3 = ""
                pop3s = ""
                lmtp_socket = ""
                [smtpd]
                message_size_limit = "10m"
                smtpd_helo_required = "yes"
                [listen.smtp]
                address = "127.0.0.1:%d"
                smtpd_helo_required = "no"
                smtpd_recipient_restrictions = "reject"
                [listen.lmtp]
                address = "127.0.0.1:%d"
                message_size_limit = "1m"
                """.formatted(smtpPort, lmtpPort));
        Config c = ConfigLoader.standard().load(file);
        try (Assembly a = Assembly.start(c)) {
            try (SmtpClient smtp = SmtpClient.connect("127.0.0.1", smtpPort)) {
                assertEquals(220, smtp.read().code());
                // the global smtpd_helo_required = yes would answer 503 5.5.1 here; the listener says no
                assertEquals(250, smtp.command("MAIL FROM:<a@example.org>").code());
                SmtpClient.Response rcpt = smtp.command("RCPT TO:<b@example.org>");
                assertEquals(554, rcpt.code(), rcpt.toString()); // the listener's smtpd_recipient_restrictions = reject
                SmtpClient.Response ehlo = smtp.command("EHLO client.example.org");
                assertTrue(ehlo.lines().contains("SIZE 10485760"), "not overridden on smtp: the global size; " + ehlo);
                smtp.command("QUIT");
            }
            try (SmtpClient lmtp = SmtpClient.connect("127.0.0.1", lmtpPort)) {
                assertEquals(220, lmtp.read().code());
                SmtpClient.Response lhlo = lmtp.command("LHLO client.example.org");
                assertTrue(lhlo.lines().contains("SIZE 1048576"), "LMTP's own message_size_limit; " + lhlo);
                lmtp.command("QUIT");
            }
        }
    }

    @Test
    void withoutOverridesTheGlobalValuesApply() throws Exception {
        int smtpPort = Peers.freePort();
        Path file = tmp.resolve("postern.toml");
        Files.writeString(file, """
                [server]
                data_directory = "data"
                [listen]
                smtp = "127.0.0.1:%d"
                submission = ""
                submissions = ""
                imap = ""
                imaps = ""
                pop3 = ""
                pop3s = ""
                lmtp = ""
                lmtp_socket = ""
                [smtpd]
                smtpd_helo_required = "yes"
                """.formatted(smtpPort));
        try (Assembly a = Assembly.start(ConfigLoader.standard().load(file));
             SmtpClient smtp = SmtpClient.connect("127.0.0.1", smtpPort)) {
            assertEquals(220, smtp.read().code());
            SmtpClient.Response mail = smtp.command("MAIL FROM:<a@example.org>");
            assertEquals(503, mail.code(), mail.toString());
            assertTrue(mail.text().contains("send HELO/EHLO first"), mail.toString());
        }
    }
}
