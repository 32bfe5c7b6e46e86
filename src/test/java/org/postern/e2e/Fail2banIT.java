package org.postern.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postern.testkit.Cmd;
import org.postern.testkit.Peers;
import org.postern.testkit.PosternProcess;
import org.postern.testkit.PostfixPeer;
import org.postern.testkit.SmtpClient;

/**
 * Issue 3 §5: the fail2ban filters an administrator already runs must ban the same abusers when
 * Postern replaces Postfix. The same abusive session (relay probes and RCPT enumeration from
 * 127.0.0.2) runs against the real server and against a real Postfix; the real
 * {@code fail2ban-regex} then reads both logs with the seed's filters (001 §16: postfix.conf in
 * mode more and normal, postfix-enum.conf) and Debian's own postfix.conf, and must find as many
 * failures, all for 127.0.0.2, in Postern's log as in Postfix's.
 *
 * <p>Note on the seed's postfix.conf (continuation lines re-indented so fail2ban loads it): its
 * {@code mdre-*} expressions want " from" right after the syslog prefix, so they match none of
 * Postfix's own "NOQUEUE: reject: RCPT from ..." lines; it finds 0 in both logs. The seed's
 * postfix-enum.conf and Debian's postfix.conf do the work and find every reject.
 */
@Tag("peers")
class Fail2banIT {
    static final String ABUSER = "127.0.0.2";
    static final int RELAY_PROBES = 2;
    static final int UNKNOWN_USERS = 3;

    static PosternProcess server;
    static PostfixPeer postfix;
    static Path work;
    static Path filters;
    static Path fail2banRegex;

    @BeforeAll
    static void start() throws IOException {
        fail2banRegex = Peers.require("fail2ban-regex");
        work = Files.createTempDirectory("fail2ban-it-");
        filters = work.resolve("filter.d");
        Files.createDirectories(filters);
        // the seed's filters include common.conf ([INCLUDES] before = common.conf): use Debian's
        Path common = Path.of("/etc/fail2ban/filter.d/common.conf");
        Files.copy(common, filters.resolve("common.conf"));
        copyResource("fail2ban/seed-postfix.conf", filters.resolve("seed-postfix.conf"));
        copyResource("fail2ban/postfix-enum.conf", filters.resolve("seed-postfix-enum.conf"));

        server = PosternProcess.init();
        server.set("smtpd", "mynetworks", "127.0.0.1/32");
        server.addUser("bench@test.local", "bench-Passw0rd");
        server.start();
        postfix = PostfixPeer.builder()
                .set("syslog_name", "postfix") // as on a real server: postfix/smtpd[pid]
                .set("myhostname", "mail.test.local")
                .set("mynetworks", "127.0.0.1/32")
                .set("virtual_mailbox_domains", "test.local")
                .set("virtual_mailbox_base", "${ROOT}/mail")
                .set("virtual_mailbox_maps", "inline:{ bench@test.local=test.local/bench/ }")
                .set("virtual_uid_maps", "static:" + PostfixPeer.VMAIL_ID)
                .set("virtual_gid_maps", "static:" + PostfixPeer.VMAIL_ID)
                .start();
    }

    @AfterAll
    static void stop() {
        if (postfix != null) {
            postfix.close();
        }
        if (server != null) {
            server.close();
        }
        if (work != null) {
            Cmd.run(Duration.ofSeconds(30), List.of("rm", "-rf", work.toString()));
        }
    }

    static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = Fail2banIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no test resource " + name);
            }
            Files.copy(in, to);
        }
    }

    /** The abusive session: relay probes, RCPT enumeration, one valid recipient. */
    static void abuse(int port) {
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", port, ABUSER)) {
            assertEquals(220, c.read().code());
            assertEquals(250, c.command("EHLO probe.example.net").code());
            assertEquals(250, c.command("MAIL FROM:<spammer@example.net>").code());
            for (int i = 0; i < RELAY_PROBES; i++) {
                assertEquals(554, c.command("RCPT TO:<victim" + i + "@other.example>").code());
            }
            for (int i = 0; i < UNKNOWN_USERS; i++) {
                assertEquals(550, c.command("RCPT TO:<guess" + i + "@test.local>").code());
            }
            assertEquals(250, c.command("RCPT TO:<bench@test.local>").code());
            c.command("QUIT");
        }
    }

    /** Runs fail2ban-regex; returns the matched IPs, one per failure. */
    static List<String> failures(Path log, String filter) {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(120), List.of(fail2banRegex.toString(), "-o", "ip", log.toString(), filter));
        assertEquals(0, r.exit(), filter + ": " + r.output());
        List<String> ips = new ArrayList<>();
        for (String l : r.output().split("\n")) {
            if (!l.isBlank()) {
                ips.add(l.strip());
            }
        }
        return ips;
    }

    static int matchedLines(Path log, String filter) {
        Cmd.Result r = Cmd.run(Duration.ofSeconds(120), List.of(fail2banRegex.toString(), "--print-no-missed", log.toString(),
                filter));
        assertEquals(0, r.exit(), filter + ": " + r.output());
        Matcher m = Pattern.compile("Lines: \\d+ lines, \\d+ ignored, (\\d+) matched").matcher(r.output());
        assertTrue(m.find(), r.output());
        return Integer.parseInt(m.group(1));
    }

    @Test
    void seedAndDebianFiltersBanTheSameAbuserAsWithPostfix() throws Exception {
        abuse(server.smtpPort());
        abuse(postfix.port());
        List<String> ours = server.awaitLog("NOQUEUE: reject: RCPT from \\S+\\[" + Pattern.quote(ABUSER) + "\\]",
                RELAY_PROBES + UNKNOWN_USERS, Duration.ofSeconds(30));
        postfix.awaitLog("NOQUEUE: reject: RCPT from \\S+\\[" + Pattern.quote(ABUSER) + "\\]", RELAY_PROBES + UNKNOWN_USERS,
                Duration.ofSeconds(30));
        assertTrue(ours.getFirst().matches("^[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d mail\\.test\\.local postfix/smtpd\\[\\d+\\]: "
                + "NOQUEUE: reject: RCPT from \\S+\\[127\\.0\\.0\\.2\\]: 554 5\\.7\\.1 <victim0@other\\.example>: "
                + "Relay access denied; from=<spammer@example\\.net> to=<victim0@other\\.example> proto=ESMTP helo=<probe\\.example\\.net>"
                + " check=restrictions \\(reject_unauth_destination\\)$"),
                ours.getFirst());

        // the server's log as fail2ban would tail it (only the log lines, not the test's start markers)
        Path ourLog = work.resolve("postern-mail.log");
        Files.write(ourLog, server.logLines("^[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d "), StandardCharsets.UTF_8);
        Path theirLog = work.resolve("postfix-mail.log");
        Files.copy(postfix.logFile(), theirLog);

        Map<String, String> filterSet = new LinkedHashMap<>();
        filterSet.put("seed postfix.conf (mode more)", filters.resolve("seed-postfix.conf") + "[mode=more]");
        filterSet.put("seed postfix.conf (mode normal)", filters.resolve("seed-postfix.conf") + "[mode=normal]");
        filterSet.put("seed postfix-enum.conf", filters.resolve("seed-postfix-enum.conf").toString());
        filterSet.put("Debian postfix.conf", "/etc/fail2ban/filter.d/postfix.conf");
        filterSet.put("Debian postfix.conf (mode aggressive)", "/etc/fail2ban/filter.d/postfix.conf[mode=aggressive]");

        StringBuilder report = new StringBuilder();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (var e : filterSet.entrySet()) {
            List<String> a = failures(ourLog, e.getValue());
            List<String> b = failures(theirLog, e.getValue());
            counts.put(e.getKey(), a.size());
            report.append(e.getKey()).append(": postern ").append(a.size()).append(", postfix ").append(b.size()).append('\n');
            for (String ip : a) {
                assertEquals(ABUSER, ip, e.getKey() + " blamed the wrong client");
            }
            assertEquals(b.size(), a.size(), e.getKey() + ": failures found in our log vs Postfix's\n" + report);
        }
        System.out.println("fail2ban-regex failures for " + ABUSER + ":\n" + report);
        // What the filters actually catch, with Postfix and with us alike:
        assertEquals(UNKNOWN_USERS, counts.get("seed postfix-enum.conf"), report.toString());
        assertEquals(RELAY_PROBES + UNKNOWN_USERS, counts.get("Debian postfix.conf"), report.toString());
        assertEquals(RELAY_PROBES + UNKNOWN_USERS, matchedLines(ourLog, "/etc/fail2ban/filter.d/postfix.conf"));
    }
}
