package org.postern.smtp.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.postern.smtp.policy.PolicyFixtures.config;
import static org.postern.smtp.policy.PolicyFixtures.facts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.core.config.Setting;
import org.postern.smtp.policy.PolicyFixtures.MemDirectory;
import org.postern.smtp.policy.SmtpPolicy.Action;
import org.postern.smtp.policy.SmtpPolicy.Decision;
import org.postern.smtp.policy.SmtpPolicy.Stage;
import org.postern.smtp.policy.table.TablesTest;
import org.postern.testkit.Peers;
import org.postern.testkit.PostfixPeer;
import org.postern.testkit.SmtpClient;

/**
 * The same restriction lists and tables in a real Postfix (Debian's, private instance on loopback)
 * and in RestrictionPolicy: for each probe (HELO, MAIL FROM, RCPT TO from a client outside
 * mynetworks) both must give the same reply, code, enhanced code and text. No DNS-based
 * restriction here (Postfix would ask the system resolver).
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class PostfixDifferentialTest {
    private static Path dir;
    private static PostfixPeer postfix;
    private static RestrictionPolicy postern;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        Peers.require("postfix");
        Process m = new ProcessBuilder("postconf", "-m").redirectErrorStream(true).start();
        String maps = new String(m.getInputStream().readAllBytes());
        m.waitFor();
        if (!maps.contains("pcre")) {
            Peers.require("/usr/lib/postfix/postfix-pcre.so"); // package postfix-pcre
        }
        dir = Files.createTempDirectory("policy-diff");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path clients = write("clients.cidr", "127.0.0.66/32 REJECT listed in our cidr\n127.0.0.67 DUNNO\n");
        Path senders = write("senders", """
                spammer@bad.example   REJECT
                bad.example           550 5.7.0 go away
                .worse.example        DEFER_IF_PERMIT maybe later
                iffy.example          DEFER_IF_REJECT not sure about you
                user@                 REJECT no user@ please
                <>                    DUNNO
                """);
        Path rcpts = write("recipients", "blocked@example.org 550 5.1.1 mailbox disabled\nexample.org DUNNO\n");
        String helo = TablesTest.seed("helo_checks.pcre").toString();

        Map<String, String> pf = new LinkedHashMap<>();
        pf.put("mynetworks", "127.0.0.1/32");
        pf.put("smtpd_peername_lookup", "no");
        // the "Local only" install routes everything else to the error transport, which reject_unlisted_sender would report
        pf.put("default_transport", "smtp");
        pf.put("relay_transport", "relay");
        pf.put("virtual_mailbox_domains", "example.org");
        pf.put("virtual_mailbox_maps", "inline:{ alice@example.org=x, postmaster@example.org=x }");
        pf.put("virtual_alias_maps", "inline:{ sales@example.org=alice@example.org }");
        pf.put("smtpd_helo_required", "yes");
        pf.put("smtpd_client_restrictions", "check_client_access cidr:" + clients);
        pf.put("smtpd_helo_restrictions", "check_helo_access pcre:" + helo + ", reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname");
        pf.put("smtpd_sender_restrictions", "reject_non_fqdn_sender, check_sender_access texthash:" + senders);
        pf.put("smtpd_relay_restrictions", "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination");
        pf.put("smtpd_recipient_restrictions", "reject_non_fqdn_recipient, check_recipient_access texthash:" + rcpts);
        PostfixPeer.Builder b = PostfixPeer.builder();
        pf.forEach(b::set);
        postfix = b.start();

        Map<Setting<?>, String> pc = new HashMap<>();
        pc.put(PolicySettings.MYNETWORKS, pf.get("mynetworks"));
        pc.put(PolicySettings.CLIENT_RESTRICTIONS, pf.get("smtpd_client_restrictions"));
        pc.put(PolicySettings.HELO_RESTRICTIONS, pf.get("smtpd_helo_restrictions"));
        pc.put(PolicySettings.SENDER_RESTRICTIONS, pf.get("smtpd_sender_restrictions"));
        pc.put(PolicySettings.RELAY_RESTRICTIONS, pf.get("smtpd_relay_restrictions"));
        pc.put(PolicySettings.RECIPIENT_RESTRICTIONS, pf.get("smtpd_recipient_restrictions"));
        MemDirectory d = new MemDirectory().domain("example.org").user("alice@example.org", null).user("postmaster@example.org", null)
                .alias("sales@example.org", "alice@example.org");
        directory = d;
        postern = RestrictionPolicy.fromConfig(config(pc), d, null, null);
    }

    private static MemDirectory directory;

    private static Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        return p;
    }

    @AfterAll
    static void stop() throws IOException {
        if (postfix != null) {
            postfix.close();
        }
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    record Probe(String client, String helo, String from, String to) {
    }

    /** Postfix's answer to the probe: the first non-2xx reply of MAIL or RCPT, or "CONTINUE". */
    private static String postfixSays(Probe p) {
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", postfix.port(), p.client())) {
            c.read();
            c.command("EHLO " + p.helo());
            SmtpClient.Response r = c.command("MAIL FROM:<" + p.from() + ">");
            if (r.code() >= 400) {
                return r.raw();
            }
            r = c.command("RCPT TO:<" + p.to() + ">");
            c.command("QUIT");
            return r.code() >= 400 ? r.raw() : "CONTINUE";
        }
    }

    private static String posternSays(Probe p) {
        Decision d = postern.check(Stage.MAIL, facts().ip(p.client()).names("unknown", "unknown", false).helo(p.helo()).from(p.from()).build());
        if (d.action() == Action.REJECT) {
            return d.reply().oneLine();
        }
        d = postern.check(Stage.RCPT, facts().ip(p.client()).names("unknown", "unknown", false).helo(p.helo()).from(p.from()).to(p.to()).build());
        return d.action() == Action.REJECT ? d.reply().oneLine() : d.action().name();
    }

    /** Both servers get the same lists; Postfix is reloaded. */
    private static void reconfigure(Map<Setting<?>, String> lists) throws InterruptedException {
        Map<Setting<?>, String> pc = new HashMap<>(lists);
        pc.put(PolicySettings.MYNETWORKS, "127.0.0.1/32");
        for (Map.Entry<Setting<?>, String> e : lists.entrySet()) {
            postfix.reconfigure(e.getKey().name(), e.getValue());
        }
        Thread.sleep(1500); // let the reloaded master replace its smtpd processes
        postern = RestrictionPolicy.fromConfig(config(pc), directory, null, null);
    }

    private static List<String> compare(List<Probe> probes) {
        List<String> diffs = new ArrayList<>();
        for (Probe p : probes) {
            String expected = postfixSays(p);
            String actual = posternSays(p);
            if (!expected.equals(actual)) {
                diffs.add(p + "\n   postfix: " + expected + "\n   postern: " + actual);
            }
        }
        return diffs;
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void deferWarnAndUnlistedSenderLikePostfix() throws InterruptedException {
        String senders = dir.resolve("senders").toString();
        String clients = dir.resolve("clients.cidr").toString();
        Map<Setting<?>, String> lists = new LinkedHashMap<>();
        lists.put(PolicySettings.CLIENT_RESTRICTIONS, "warn_if_reject, check_client_access cidr:" + clients);
        lists.put(PolicySettings.HELO_RESTRICTIONS, "warn_if_reject, reject_non_fqdn_helo_hostname, defer_if_reject");
        lists.put(PolicySettings.SENDER_RESTRICTIONS, "reject_unlisted_sender, check_sender_access texthash:" + senders);
        lists.put(PolicySettings.RECIPIENT_RESTRICTIONS, "reject_unlisted_recipient, permit");
        lists.put(PolicySettings.REJECT_UNLISTED_SENDER, "yes");
        reconfigure(lists);
        String ok = "mx.remote.example";
        List<Probe> probes = List.of(
                new Probe("127.0.0.66", ok, "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", "myhost", "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "nobody@example.org", "alice@example.org"),
                new Probe("127.0.0.9", ok, "alice+x@example.org", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@x.worse.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@x.worse.example", "bob@example.org"),
                new Probe("127.0.0.9", ok, "a@x.worse.example", "x@elsewhere.example"),
                new Probe("127.0.0.9", ok, "a@iffy.example", "x@elsewhere.example"),
                new Probe("127.0.0.9", ok, "a@iffy.example", "bob@example.org"),
                new Probe("127.0.0.9", ok, "a@iffy.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "spammer@bad.example", "alice@example.org"));
        assertEquals("", String.join("\n", compare(probes)));
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void sameRepliesAsPostfix() {
        String ok = "mx.remote.example";
        List<Probe> probes = List.of(
                new Probe("127.0.0.9", ok, "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "Alice@Example.ORG"),
                new Probe("127.0.0.9", ok, "a@remote.example", "sales@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "bob@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "x@elsewhere.example"),
                new Probe("127.0.0.9", ok, "a@remote.example", "x%elsewhere.example@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "elsewhere.example!x@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "\"x@elsewhere.example\"@example.org"),
                new Probe("127.0.0.9", ok, "", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@localhost", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "x@nodot"),
                new Probe("127.0.0.9", ok, "spammer@bad.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "other@sub.bad.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@x.worse.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@x.worse.example", "bob@example.org"),
                new Probe("127.0.0.9", ok, "user+tag@anywhere.example", "alice@example.org"),
                new Probe("127.0.0.9", ok, "a@remote.example", "blocked@example.org"),
                new Probe("127.0.0.9", "myhost", "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", "[127.0.0.9]", "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", "mail.example.nl", "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", "pc.LOCAL", "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.9", "bad_host!.example", "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.66", ok, "a@remote.example", "alice@example.org"),
                new Probe("127.0.0.67", ok, "a@remote.example", "x@elsewhere.example"),
                new Probe("127.0.0.1", "myhost", "a@localhost", "x@elsewhere.example"));
        assertEquals("", String.join("\n", compare(probes)));
    }
}
