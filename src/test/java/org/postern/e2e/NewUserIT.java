package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.testkit.Cmd;
import org.postern.testkit.Peers;
import org.postern.testkit.PosternProcess;

/**
 * A new user following the README: {@code postern init}, {@code postern user add}, {@code postern
 * serve}; swaks from another process delivers; the message is in the user's Maildir.
 */
class NewUserIT {

    @Test
    void swaksDeliversToAUserAddedWithTheCli() throws Exception {
        Path swaks = Peers.require("swaks");
        try (PosternProcess p = PosternProcess.init()) {
            assertTrue(Files.isRegularFile(p.configFile()), "init writes " + p.configFile());
            p.addUser("user@test.local", "s3cret-Passw0rd");
            p.start();
            // the README's next steps, on the running server: a domain and a user, added from another terminal
            p.cli("domain", "add", "example.org").ok();
            p.addUser("you@example.org", "an0ther-Passw0rd");
            Cmd.Result r = Cmd.run(Duration.ofSeconds(60), List.of(swaks.toString(),
                    "--server", "127.0.0.1:" + p.smtpPort(), "--ehlo", "client.example.org",
                    "--from", "friend@example.org", "--to", "user@test.local",
                    "--header", "Subject: hello from swaks", "--body", "first mail\n"));
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().matches("(?s).*<-  250 2\\.0\\.0 Ok: queued as \\S+.*"), r.output());

            List<Path> msgs = p.awaitMessages("user@test.local", 1, Duration.ofSeconds(30));
            assertEquals(1, msgs.size());
            String m = Files.readString(msgs.getFirst());
            assertTrue(m.startsWith("Return-Path: <friend@example.org>"), m);
            assertTrue(m.contains("Delivered-To: user@test.local"), m);
            assertTrue(m.contains("Subject: hello from swaks"), m);
            assertTrue(m.contains("first mail"), m);
            assertTrue(m.matches("(?s).*Received: from client\\.example\\.org .*by mail\\.test\\.local.*"), m);
            Cmd.Result second = Cmd.run(Duration.ofSeconds(60), List.of(swaks.toString(),
                    "--server", "127.0.0.1:" + p.smtpPort(), "--to", "you@example.org"));
            assertEquals(0, second.exit(), second.output());
            assertEquals(1, p.awaitMessages("you@example.org", 1, Duration.ofSeconds(30)).size());
            assertTrue(Files.isDirectory(p.directory().resolve("mail/example.org/you/new")));

            // the queue drained: nothing left for this local recipient
            String q = p.cli("queue", "list").ok().out();
            assertTrue(!q.contains("user@test.local"), q);
            int exit = p.stop();
            assertTrue(exit == 0 || exit == 143, "SIGTERM stops it cleanly: exit " + exit);
        }
    }
}
