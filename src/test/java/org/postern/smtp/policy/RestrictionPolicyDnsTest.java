package org.postern.smtp.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postern.smtp.policy.PolicyFixtures.config;
import static org.postern.smtp.policy.PolicyFixtures.facts;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.core.DnsResolver;
import org.postern.core.config.Setting;
import org.postern.dns.DnsjavaResolver;
import org.postern.smtp.policy.PolicyFixtures.F;
import org.postern.smtp.policy.PolicyFixtures.MemDirectory;
import org.postern.smtp.policy.SmtpPolicy.Action;
import org.postern.smtp.policy.SmtpPolicy.Decision;
import org.postern.smtp.policy.SmtpPolicy.Stage;
import org.postern.testkit.Dnsmasq;

/** DNS-based restrictions over real sockets: a dnsmasq on loopback serving an RBL zone, and a resolver that never answers. */
class RestrictionPolicyDnsTest {
    private static Dnsmasq dns;
    private static Dnsmasq.Silent silent;

    final MemDirectory directory = new MemDirectory().domain("example.org").user("alice@example.org", null);

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start(List.of("--local=/test/", "--local=/in-addr.arpa/", "--local-ttl=30",
                // an RBL zone: 127.0.0.2 listed (with a reason), 127.0.0.3 listed with a code the filter ignores
                "--host-record=2.0.0.127.zen.test,127.0.0.2", "--txt-record=2.0.0.127.zen.test,Listed: see https://zen.test/127.0.0.2",
                "--host-record=3.0.0.127.zen.test,127.0.0.10",
                "--host-record=spammer.test.dbl.test,127.0.1.2",
                // forward and reverse names: 127.0.0.5 is mx.good.test both ways; 127.0.0.6 has a PTR that does not confirm
                "--host-record=mx.good.test,127.0.0.5", "--mx-host=good.test,mx.good.test,10",
                "--ptr-record=6.0.0.127.in-addr.arpa,liar.good.test",
                // a domain whose mail exchanger sits in a private network
                "--mx-host=bogus.test,mx.bogus.test,10", "--host-record=mx.bogus.test,10.1.2.3",
                // NS records (dnsmasq serves them as raw RRs): bogus.test is served from a private network
                nsRecord("bogus.test", "ns.bogus.test"), "--host-record=ns.bogus.test,10.1.2.4",
                nsRecord("good.test", "ns.good.test"), "--host-record=ns.good.test,127.0.0.5"));
        silent = new Dnsmasq.Silent();
    }

    /** dnsmasq --dns-rr for an NS record: type 2, the target in DNS wire format, hex. */
    private static String nsRecord(String name, String target) {
        StringBuilder hex = new StringBuilder();
        for (String label : target.split("\\.")) {
            hex.append(String.format("%02x", label.length()));
            for (char ch : label.toCharArray()) {
                hex.append(String.format("%02x", (int) ch));
            }
        }
        return "--dns-rr=" + name + ",2," + hex + "00";
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
        if (silent != null) {
            silent.close();
        }
    }

    private static DnsResolver resolver(String server) {
        return new DnsjavaResolver(DnsjavaResolver.parseServers(List.of(server)), Duration.ofMillis(300), 1, 100, Duration.ofMinutes(1), null);
    }

    private RestrictionPolicy policy(DnsResolver r, Setting<?> k, String v) {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(k, v);
        return RestrictionPolicy.fromConfig(config(m), directory, null, r);
    }

    private static String rcpt(RestrictionPolicy p, F f) {
        Decision d = p.check(Stage.RCPT, f.build());
        return d.action() == Action.REJECT ? d.reply().oneLine() : d.action().name();
    }

    @Test
    void rblClient() {
        RestrictionPolicy p = policy(resolver(dns.server()), PolicySettings.CLIENT_RESTRICTIONS, "reject_rbl_client zen.test=127.0.0.[2..4]");
        assertEquals("554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using zen.test; Listed: see https://zen.test/127.0.0.2",
                rcpt(p, facts().ip("127.0.0.2").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.3").to("alice@example.org")), "127.0.0.10 is outside the filter");
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.4").to("alice@example.org")), "not listed: NXDOMAIN");
        RestrictionPolicy any = policy(resolver(dns.server()), PolicySettings.CLIENT_RESTRICTIONS, "reject_rbl_client zen.test");
        assertTrue(rcpt(any, facts().ip("127.0.0.3").to("alice@example.org")).startsWith("554 5.7.1 Service unavailable; Client host [127.0.0.3] blocked using zen.test"));
    }

    @Test
    void rblTimeoutIsTemporaryNeverAPass() {
        RestrictionPolicy p = policy(resolver(silent.server()), PolicySettings.CLIENT_RESTRICTIONS, "reject_rbl_client zen.test");
        String r = rcpt(p, facts().ip("127.0.0.2").to("alice@example.org"));
        assertTrue(r.startsWith("450 4.7.1 "), r);
        assertTrue(r.contains("zen.test"), r);
        // a later permanent rejection still wins over the deferral
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.CLIENT_RESTRICTIONS, "reject_rbl_client zen.test");
        m.put(PolicySettings.MYNETWORKS, "127.0.0.1/32"); // the test clients live in 127/8
        RestrictionPolicy q = RestrictionPolicy.fromConfig(config(m), directory, null, resolver(silent.server()));
        assertEquals("554 5.7.1 <x@elsewhere.test>: Relay access denied", rcpt(q, facts().ip("127.0.0.2").to("x@elsewhere.test")));
    }

    @Test
    void rhsblSender() {
        RestrictionPolicy p = policy(resolver(dns.server()), PolicySettings.SENDER_RESTRICTIONS, "reject_rhsbl_sender dbl.test");
        assertEquals("554 5.7.1 Service unavailable; Sender address [spammer.test] blocked using dbl.test",
                rcpt(p, facts().from("a@spammer.test").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("a@good.test").to("alice@example.org")));
    }

    @Test
    void unknownHeloAndSenderDomain() {
        DnsResolver r = resolver(dns.server());
        RestrictionPolicy helo = policy(r, PolicySettings.HELO_RESTRICTIONS, "reject_unknown_helo_hostname");
        assertEquals("CONTINUE", rcpt(helo, facts().helo("mx.good.test").to("alice@example.org")));
        assertEquals("450 4.7.1 <nohost.test>: Helo command rejected: Host not found", rcpt(helo, facts().helo("nohost.test").to("alice@example.org")));
        RestrictionPolicy sender = policy(r, PolicySettings.SENDER_RESTRICTIONS, "reject_unknown_sender_domain");
        assertEquals("CONTINUE", rcpt(sender, facts().from("a@good.test").to("alice@example.org")));
        assertEquals("450 4.1.8 <a@nodomain.test>: Sender address rejected: Domain not found",
                rcpt(sender, facts().from("a@nodomain.test").to("alice@example.org")));

        RestrictionPolicy dead = policy(resolver(silent.server()), PolicySettings.SENDER_RESTRICTIONS, "reject_unknown_sender_domain");
        assertEquals("450 4.1.8 <a@good.test>: Sender address rejected: Domain not found", rcpt(dead, facts().from("a@good.test").to("alice@example.org")));
    }

    @Test
    void mxAndAAccessTables(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path cidr = dir.resolve("bogon.cidr");
        java.nio.file.Files.writeString(cidr, "10.0.0.0/8 REJECT mail exchanger in a private network\n127.0.0.5 DUNNO\n");
        java.nio.file.Path ok = dir.resolve("ok.cidr");
        java.nio.file.Files.writeString(ok, "127.0.0.0/8 OK\n");
        DnsResolver r = resolver(dns.server());
        RestrictionPolicy mx = policy(r, PolicySettings.SENDER_RESTRICTIONS, "check_sender_mx_access cidr:" + cidr);
        assertEquals("554 5.7.1 <a@bogus.test>: Sender address rejected: mail exchanger in a private network",
                rcpt(mx, facts().from("a@bogus.test").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(mx, facts().from("a@good.test").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(mx, facts().from("a@nodomain.test").to("alice@example.org")));
        RestrictionPolicy a = policy(r, PolicySettings.HELO_RESTRICTIONS, "check_helo_a_access cidr:" + cidr);
        assertEquals("554 5.7.1 <mx.bogus.test>: Helo command rejected: mail exchanger in a private network",
                rcpt(a, facts().helo("mx.bogus.test").to("alice@example.org")));
        RestrictionPolicy whitelist = policy(r, PolicySettings.SENDER_RESTRICTIONS, "check_sender_mx_access cidr:" + ok);
        assertEquals("451 4.3.5 Server configuration error", rcpt(whitelist, facts().from("a@good.test").to("alice@example.org")));
        RestrictionPolicy dead = policy(resolver(silent.server()), PolicySettings.SENDER_RESTRICTIONS, "check_sender_mx_access cidr:" + cidr);
        assertEquals("450 4.4.3 <a@bogus.test>: Sender address rejected: unable to look up MX records of bogus.test",
                rcpt(dead, facts().from("a@bogus.test").to("alice@example.org")));
    }

    /** check_*_ns_access: the zone's DNS servers by name and address; a name without NS records uses its parent's. */
    @Test
    void nsAccessTables(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path cidr = dir.resolve("bogon.cidr");
        java.nio.file.Files.writeString(cidr, "10.0.0.0/8 REJECT DNS server in a private network\n");
        java.nio.file.Path byName = dir.resolve("ns");
        java.nio.file.Files.writeString(byName, "ns.good.test REJECT known bad DNS host\n");
        DnsResolver r = resolver(dns.server());
        assertEquals(List.of("ns.bogus.test"), r.ns("bogus.test"));
        RestrictionPolicy ns = policy(r, PolicySettings.SENDER_RESTRICTIONS, "check_sender_ns_access cidr:" + cidr);
        assertEquals("554 5.7.1 <a@bogus.test>: Sender address rejected: DNS server in a private network",
                rcpt(ns, facts().from("a@bogus.test").to("alice@example.org")));
        assertEquals("554 5.7.1 <a@mail.sub.bogus.test>: Sender address rejected: DNS server in a private network",
                rcpt(ns, facts().from("a@mail.sub.bogus.test").to("alice@example.org")), "walks up to the zone with NS records");
        assertEquals("CONTINUE", rcpt(ns, facts().from("a@good.test").to("alice@example.org")));
        RestrictionPolicy named = policy(r, PolicySettings.HELO_RESTRICTIONS, "check_helo_ns_access texthash:" + byName);
        assertEquals("554 5.7.1 <mx.good.test>: Helo command rejected: known bad DNS host",
                rcpt(named, facts().helo("mx.good.test").to("alice@example.org")));
        RestrictionPolicy dead = policy(resolver(silent.server()), PolicySettings.SENDER_RESTRICTIONS, "check_sender_ns_access cidr:" + cidr);
        assertEquals("450 4.4.3 <a@bogus.test>: Sender address rejected: unable to look up NS records of bogus.test",
                rcpt(dead, facts().from("a@bogus.test").to("alice@example.org")));
    }

    @Test
    void clientIdentityForwardConfirmed() throws Exception {
        DnsResolver r = resolver(dns.server());
        assertEquals(new ClientIdentity("mx.good.test", "mx.good.test", false), ClientIdentity.lookup(r, InetAddress.getByName("127.0.0.5")));
        assertEquals(new ClientIdentity("unknown", "liar.good.test", false), ClientIdentity.lookup(r, InetAddress.getByName("127.0.0.6")));
        assertEquals(new ClientIdentity("unknown", "unknown", false), ClientIdentity.lookup(r, InetAddress.getByName("127.0.0.7")));
        assertEquals(new ClientIdentity("unknown", "unknown", true), ClientIdentity.lookup(resolver(silent.server()), InetAddress.getByName("127.0.0.7")));

        RestrictionPolicy p = policy(r, PolicySettings.CLIENT_RESTRICTIONS, "reject_unknown_client_hostname");
        ClientIdentity liar = ClientIdentity.lookup(r, InetAddress.getByName("127.0.0.6"));
        assertEquals("450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.6]",
                rcpt(p, facts().ip("127.0.0.6").names(liar.name(), liar.reverseName(), liar.temporary()).to("alice@example.org")));
    }
}
