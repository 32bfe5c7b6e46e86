package org.postern.smtp.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postern.smtp.policy.PolicyFixtures.config;
import static org.postern.smtp.policy.PolicyFixtures.facts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.DnsResolver.MxRecord;
import org.postern.core.config.Setting;
import org.postern.smtp.policy.PolicyFixtures.F;
import org.postern.smtp.policy.PolicyFixtures.MemDirectory;
import org.postern.smtp.policy.PolicyFixtures.MemDns;
import org.postern.smtp.policy.SmtpPolicy.Decision;
import org.postern.smtp.policy.SmtpPolicy.Stage;
import org.postern.testkit.Peers;

/**
 * The reject texts the policy produces, in Postfix's "NOQUEUE: reject:" log form, against the
 * real fail2ban-regex: Debian's postfix filter (modes normal and rbl) and the seed's
 * postfix-enum filter (001 §16). Temporary DNS failures must not look like abuse.
 */
class Fail2banTextsTest {
    @TempDir
    Path dir;

    private final MemDns dns = new MemDns();
    private final MemDirectory directory = new MemDirectory().domain("example.org").user("alice@example.org", null);

    private String line(F f) {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.MYNETWORKS, "127.0.0.1/32");
        m.put(PolicySettings.CLIENT_RESTRICTIONS, "reject_rbl_client zen.test, check_client_access cidr:" + dir.resolve("clients.cidr"));
        m.put(PolicySettings.HELO_RESTRICTIONS, "reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname");
        m.put(PolicySettings.SENDER_RESTRICTIONS, "reject_non_fqdn_sender, reject_unknown_sender_domain");
        RestrictionPolicy p = RestrictionPolicy.fromConfig(config(m), directory, null, dns);
        var facts = f.build();
        Decision d = p.check(Stage.RCPT, facts);
        assertTrue(d.reply() != null, "expected a reject for " + facts);
        String client = (facts.clientName() == null ? "unknown" : facts.clientName()) + "[" + Hostnames.text(facts.clientIp()) + "]";
        return "Nov 21 16:00:00 mail postfix/smtpd[4321]: NOQUEUE: reject: RCPT from " + client + ": " + d.reply().oneLine()
                + "; from=<" + facts.sender() + "> to=<" + facts.recipient() + "> proto=ESMTP helo=<" + facts.helo() + ">";
    }

    private record Result(int lines, int matched) {
    }

    private Result regex(List<String> lines, String filter) throws IOException, InterruptedException {
        Path log = dir.resolve("mail.log");
        Files.write(log, lines);
        Process pr = new ProcessBuilder(Peers.require("fail2ban-regex").toString(), log.toString(), filter).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes());
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        Matcher mm = Pattern.compile("Lines: (\\d+) lines, (\\d+) ignored, (\\d+) matched, (\\d+) missed").matcher(out);
        assertTrue(mm.find(), out);
        return new Result(Integer.parseInt(mm.group(1)), Integer.parseInt(mm.group(3)));
    }

    @Test
    void rejectsMatchTheFilters() throws Exception {
        Files.writeString(dir.resolve("clients.cidr"), "198.51.100.0/24 REJECT\n");
        dns.a.put("mx.remote.example", List.of("192.0.2.10"));
        dns.mx.put("remote.example", List.of(new MxRecord(10, "mx.remote.example")));
        dns.a.put("10.2.0.192.zen.test", List.of("127.0.0.2"));
        dns.failing.add("slow.example");
        dns.failing.add("9.2.0.192.zen.test");

        List<String> abuse = new ArrayList<>();
        abuse.add(line(facts().ip("192.0.2.11").from("a@remote.example").to("x@elsewhere.example")));        // Relay access denied
        abuse.add(line(facts().ip("192.0.2.11").from("a@remote.example").to("nobody@example.org")));         // User unknown
        abuse.add(line(facts().ip("192.0.2.11").helo("localhost").from("a@remote.example").to("alice@example.org"))); // need FQDN
        abuse.add(line(facts().ip("192.0.2.11").helo("nx.example").from("a@remote.example").to("alice@example.org"))); // Host not found
        abuse.add(line(facts().ip("192.0.2.11").from("a@nx.example").to("alice@example.org")));              // Domain not found
        abuse.add(line(facts().ip("198.51.100.7").names("unknown", "unknown", false).from("a@remote.example").to("alice@example.org"))); // access map
        String rbl = line(facts().from("a@remote.example").to("alice@example.org"));
        assertTrue(rbl.contains(": 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.test;"), rbl);

        Result normal = regex(abuse, "/etc/fail2ban/filter.d/postfix.conf");
        assertEquals(new Result(abuse.size(), abuse.size()), normal);
        Result rblMode = regex(List.of(rbl), "/etc/fail2ban/filter.d/postfix.conf[mode=rbl]");
        assertEquals(new Result(1, 1), rblMode);

        Path enumFilter = dir.resolve("postfix-enum.conf");
        Files.copy(org.postern.smtp.policy.table.TablesTest.seed("postfix-enum.conf"), enumFilter);
        assertEquals(new Result(abuse.size(), 1), regex(abuse, enumFilter.toString()), "only the unknown user counts as enumeration");

        // A resolver outage is not abuse: the RBL deferral must not match any mode
        String outage = line(facts().ip("192.0.2.9").from("a@remote.example").to("alice@example.org"));
        assertTrue(outage.contains(": 450 4.7.1 "), outage);
        assertEquals(new Result(1, 0), regex(List.of(outage), "/etc/fail2ban/filter.d/postfix.conf[mode=aggressive]"));
    }
}
