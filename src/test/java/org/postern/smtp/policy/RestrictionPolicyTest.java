package org.postern.smtp.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postern.smtp.policy.PolicyFixtures.config;
import static org.postern.smtp.policy.PolicyFixtures.facts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.DnsResolver.MxRecord;
import org.postern.core.config.Setting;
import org.postern.smtp.policy.PolicyFixtures.F;
import org.postern.smtp.policy.PolicyFixtures.MemDirectory;
import org.postern.smtp.policy.PolicyFixtures.MemDns;
import org.postern.smtp.policy.PolicyFixtures.MemStore;
import org.postern.smtp.policy.SmtpPolicy.Action;
import org.postern.smtp.policy.SmtpPolicy.Decision;
import org.postern.smtp.policy.SmtpPolicy.Stage;

/** Restrictions one by one, with Postfix's reply texts, against an in-memory directory and zone. */
class RestrictionPolicyTest {
    @TempDir
    Path dir;

    final MemDirectory directory = new MemDirectory().domain("example.org").user("alice@example.org", null)
            .user("full@example.org", 1000L).alias("sales@example.org", "alice@example.org").alias("out@example.org", "someone@else.example");
    final MemStore store = new MemStore();
    final MemDns dns = new MemDns();

    {
        store.usage.put("full@example.org", 1000L);
        dns.a.put("mx.remote.example", List.of("192.0.2.10"));
        dns.mx.put("remote.example", List.of(new MxRecord(10, "mx.remote.example")));
        dns.mx.put("nullmx.example", List.of(new MxRecord(0, ".")));
        dns.failing.add("broken.example");
    }

    private RestrictionPolicy policy(Map<Setting<?>, String> overrides) {
        return RestrictionPolicy.fromConfig(config(overrides), directory, store, dns);
    }

    private RestrictionPolicy policy(Setting<?> k, String v) {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(k, v);
        return policy(m);
    }

    private static String rcpt(RestrictionPolicy p, F f) {
        return text(p.check(Stage.RCPT, f.build()));
    }

    private static String text(Decision d) {
        return d.action() == Action.REJECT ? d.reply().oneLine() : d.action().name();
    }

    // ---------------------------------------------------------------- defaults: secure without DNS

    @Test
    void defaultsRelayAndUnknownUsers() {
        RestrictionPolicy p = policy(Map.of());
        assertEquals("CONTINUE", rcpt(p, facts().from("a@remote.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("a@remote.example").to("Alice+tag@EXAMPLE.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("a@remote.example").to("sales@example.org")));
        assertEquals("554 5.7.1 <x@elsewhere.example>: Relay access denied", rcpt(p, facts().from("a@remote.example").to("x@elsewhere.example")));
        assertEquals("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
                rcpt(p, facts().from("a@remote.example").to("bob@example.org")));
        // mynetworks and authenticated clients may relay
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.1").from("a@example.org").to("x@elsewhere.example")));
        assertEquals("CONTINUE", rcpt(p, facts().sasl("alice@example.org").from("alice@example.org").to("x@elsewhere.example")));
        assertEquals("CONTINUE", rcpt(p, facts().ip("::1").to("x@elsewhere.example")));
    }

    @Test
    void openRelayTricksAreNeverLocal() {
        RestrictionPolicy p = policy(Map.of());
        for (String trick : List.of("x%elsewhere.example@example.org", "elsewhere.example!x@example.org", "\"x@elsewhere.example\"@example.org",
                "x@elsewhere.example@example.org", "@example.org:x@elsewhere.example", "@example.org,@a.example:x@example.org")) {
            assertTrue(rcpt(p, facts().from("a@remote.example").to(trick)).startsWith("554 5.7.1 <" + Eval.internal(trick) + ">: Relay access denied"), trick);
        }
        // permit_auth_destination alone must not authorise them either
        RestrictionPolicy q = policy(PolicySettings.RELAY_RESTRICTIONS, "permit_auth_destination, reject");
        assertTrue(rcpt(q, facts().to("x%elsewhere.example@example.org")).startsWith("554 5.7.1 <x%elsewhere.example@example.org>: Recipient address rejected: Access denied"));
        assertEquals("CONTINUE", rcpt(q, facts().to("alice@example.org")));
    }

    @Test
    void relayDomainsAreAuthorised() {
        RestrictionPolicy p = policy(PolicySettings.RELAY_DOMAINS, "backup.example");
        assertEquals("CONTINUE", rcpt(p, facts().to("x@backup.example")));
        assertEquals("CONTINUE", rcpt(p, facts().to("x@sub.backup.example")), "Postfix's default: relay_domains match subdomains");
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.RELAY_DOMAINS, "backup.example");
        m.put(PolicySettings.PARENT_DOMAIN_MATCHES_SUBDOMAINS, "mynetworks");
        assertTrue(rcpt(policy(m), facts().to("x@sub.backup.example")).contains("Relay access denied"));
    }

    @Test
    void noRejectingRestrictionIsAConfigError() {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.RELAY_RESTRICTIONS, "permit_mynetworks");
        m.put(PolicySettings.RECIPIENT_RESTRICTIONS, "permit_sasl_authenticated");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> policy(m));
        assertTrue(e.getMessage().startsWith("smtpd.smtpd_relay_restrictions:") && e.getMessage().contains("open relay"), e.getMessage());
    }

    @Test
    void unknownRestrictionNamesTheKeyAndWord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> policy(PolicySettings.CLIENT_RESTRICTIONS, "permit_mynetworks, reject_unknwn_client_hostname"));
        assertTrue(e.getMessage().startsWith("smtpd.smtpd_client_restrictions: unknown restriction \"reject_unknwn_client_hostname\""), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean \"reject_unknown_client_hostname\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> policy(PolicySettings.HELO_RESTRICTIONS, "check_helo_access"));
        assertTrue(e.getMessage().contains("needs an argument"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> policy(PolicySettings.UNKNOWN_CLIENT_REJECT_CODE, "250"));
        assertTrue(e.getMessage().startsWith("smtpd.unknown_client_reject_code:"), e.getMessage());
    }

    // ---------------------------------------------------------------- delay_reject and list semantics

    @Test
    void delayRejectEvaluatesClientAtRcpt() {
        RestrictionPolicy p = policy(PolicySettings.CLIENT_RESTRICTIONS, "reject");
        assertEquals("CONTINUE", text(p.check(Stage.CONNECT, facts().build())));
        assertEquals("CONTINUE", text(p.check(Stage.MAIL, facts().from("a@remote.example").build())));
        assertEquals("554 5.7.1 <mx.remote.example[192.0.2.10]>: Client host rejected: Access denied",
                rcpt(p, facts().from("a@remote.example").to("alice@example.org")));

        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.CLIENT_RESTRICTIONS, "reject");
        m.put(PolicySettings.DELAY_REJECT, "no");
        RestrictionPolicy now = policy(m);
        assertEquals("554 5.7.1 <mx.remote.example[192.0.2.10]>: Client host rejected: Access denied", text(now.check(Stage.CONNECT, facts().build())));
    }

    @Test
    void okEndsOnlyItsOwnList() {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.CLIENT_RESTRICTIONS, "permit");
        m.put(PolicySettings.SENDER_RESTRICTIONS, "reject");
        RestrictionPolicy p = policy(m);
        assertEquals("554 5.7.1 <a@remote.example>: Sender address rejected: Access denied",
                rcpt(p, facts().from("a@remote.example").to("alice@example.org")));
        // permit in the recipient restrictions does not skip the relay restrictions (they run first)
        RestrictionPolicy q = policy(PolicySettings.RECIPIENT_RESTRICTIONS, "permit");
        assertTrue(rcpt(q, facts().to("x@elsewhere.example")).contains("Relay access denied"));
    }

    @Test
    void heloRequiredAtMail() {
        RestrictionPolicy p = policy(Map.of());
        assertEquals("503 5.5.1 Error: send HELO/EHLO first", text(p.check(Stage.MAIL, facts().helo(null).from("a@b.example").build())));
        assertEquals("CONTINUE", text(policy(PolicySettings.HELO_REQUIRED, "no").check(Stage.MAIL, facts().helo(null).from("a@b.example").build())));
    }

    @Test
    void warnIfRejectAndDeferIfReject() {
        RestrictionPolicy p = policy(PolicySettings.CLIENT_RESTRICTIONS, "warn_if_reject, reject, permit");
        assertEquals("CONTINUE", rcpt(p, facts().to("alice@example.org")));
        RestrictionPolicy q = policy(PolicySettings.RECIPIENT_RESTRICTIONS, "defer_if_reject, reject");
        assertEquals("450 4.7.0 <alice@example.org>: Recipient address rejected: defer_if_reject requested", rcpt(q, facts().to("alice@example.org")));
        RestrictionPolicy r = policy(PolicySettings.CLIENT_RESTRICTIONS, "defer_if_permit");
        assertEquals("450 4.7.0 <mx.remote.example[192.0.2.10]>: Client host rejected: defer_if_permit requested", rcpt(r, facts().to("alice@example.org")));
        RestrictionPolicy s = policy(PolicySettings.RECIPIENT_RESTRICTIONS, "defer");
        assertEquals("450 4.3.2 <alice@example.org>: Recipient address rejected: Try again later", rcpt(s, facts().to("alice@example.org")));
    }

    // ---------------------------------------------------------------- HELO

    @Test
    void heloSyntax() {
        RestrictionPolicy p = policy(PolicySettings.HELO_RESTRICTIONS, "reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname");
        assertEquals("CONTINUE", rcpt(p, facts().helo("mx.remote.example.").to("alice@example.org")));
        assertEquals("501 5.5.2 <bad_host!>: Helo command rejected: Invalid name", rcpt(p, facts().helo("bad_host!").to("alice@example.org")));
        assertEquals("504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname", rcpt(p, facts().helo("localhost").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().helo("[192.0.2.10]").to("alice@example.org")));
        assertEquals("501 5.5.2 <[999.1.1.1]>: Helo command rejected: invalid ip address", rcpt(p, facts().helo("[999.1.1.1]").to("alice@example.org")));
        assertEquals("504 5.5.2 <1.2.3.4>: Helo command rejected: need fully-qualified hostname", rcpt(p, facts().helo("1.2.3.4").to("alice@example.org")));
    }

    @Test
    void heloUnknownHost() {
        RestrictionPolicy p = policy(PolicySettings.HELO_RESTRICTIONS, "reject_unknown_helo_hostname");
        assertEquals("CONTINUE", rcpt(p, facts().helo("mx.remote.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().helo("remote.example").to("alice@example.org"))); // MX only
        assertEquals("450 4.7.1 <nx.example>: Helo command rejected: Host not found", rcpt(p, facts().helo("nx.example").to("alice@example.org")));
        assertEquals("450 4.7.1 <broken.example>: Helo command rejected: Host not found", rcpt(p, facts().helo("broken.example").to("alice@example.org")));
        RestrictionPolicy code = policy(Map.of(PolicySettings.HELO_RESTRICTIONS, "reject_unknown_helo_hostname", PolicySettings.UNKNOWN_HOSTNAME_REJECT_CODE, "550"));
        assertEquals("550 5.7.1 <nx.example>: Helo command rejected: Host not found", rcpt(code, facts().helo("nx.example").to("alice@example.org")));
        // a DNS failure stays temporary whatever the code, and a later reject wins over it
        assertEquals("450 4.7.1 <broken.example>: Helo command rejected: Host not found", rcpt(code, facts().helo("broken.example").to("alice@example.org")));
    }

    // ---------------------------------------------------------------- sender and recipient

    @Test
    void senderAndRecipientChecks() {
        RestrictionPolicy p = policy(Map.of(PolicySettings.SENDER_RESTRICTIONS, "reject_non_fqdn_sender, reject_unknown_sender_domain",
                PolicySettings.RECIPIENT_RESTRICTIONS, "reject_non_fqdn_recipient, reject_unknown_recipient_domain"));
        assertEquals("CONTINUE", rcpt(p, facts().from("a@remote.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("").to("alice@example.org")));
        assertEquals("504 5.5.2 <a@localhost>: Sender address rejected: need fully-qualified address", rcpt(p, facts().from("a@localhost").to("alice@example.org")));
        assertEquals("450 4.1.8 <a@nx.example>: Sender address rejected: Domain not found", rcpt(p, facts().from("a@nx.example").to("alice@example.org")));
        assertEquals("450 4.1.8 <a@broken.example>: Sender address rejected: Domain not found", rcpt(p, facts().from("a@broken.example").to("alice@example.org")));
        assertEquals("550 5.7.27 <a@nullmx.example>: Sender address rejected: Domain nullmx.example does not accept mail (nullMX)",
                rcpt(p, facts().from("a@nullmx.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("a@[192.0.2.1]").to("alice@example.org")));
        // our own domains are never looked up
        assertEquals("CONTINUE", rcpt(p, facts().from("alice@example.org").ip("127.0.0.1").to("x@remote.example")));
        assertEquals("450 4.1.2 <x@nx.example>: Recipient address rejected: Domain not found", rcpt(p, facts().from("a@remote.example").ip("127.0.0.1").to("x@nx.example")));
        assertEquals("504 5.5.2 <x@nodot>: Recipient address rejected: need fully-qualified address", rcpt(p, facts().ip("127.0.0.1").to("x@nodot")));
        assertEquals("556 5.1.10 <x@nullmx.example>: Recipient address rejected: Domain nullmx.example does not accept mail (nullMX)",
                rcpt(p, facts().ip("127.0.0.1").to("x@nullmx.example")));
    }

    @Test
    void unlistedSenderAndQuota() {
        RestrictionPolicy p = policy(PolicySettings.REJECT_UNLISTED_SENDER, "yes");
        assertEquals("550 5.1.0 <nobody@example.org>: Sender address rejected: User unknown in virtual mailbox table",
                rcpt(p, facts().from("nobody@example.org").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("alice@example.org").to("alice@example.org")));
        assertEquals("552 5.2.2 <full@example.org>: Recipient address rejected: Mailbox full", rcpt(p, facts().to("full@example.org")));
        store.usage.put("full@example.org", 999L);
        assertEquals("CONTINUE", rcpt(p, facts().to("full@example.org")));
        // no store: no quota check
        store.usage.put("full@example.org", 5000L);
        assertEquals("CONTINUE", text(RestrictionPolicy.fromConfig(config(Map.of()), directory, null, dns).check(Stage.RCPT, facts().to("full@example.org").build())));
        assertEquals("CONTINUE", rcpt(policy(PolicySettings.REJECT_UNLISTED_RECIPIENT, "no"), facts().to("nobody@example.org")));
    }

    @Test
    void directoryOutageIsTemporary() {
        directory.down = true;
        assertEquals("451 4.3.0 <example.org>: Temporary lookup failure", rcpt(policy(Map.of()), facts().to("alice@example.org")));
    }

    @Test
    void clientNames() {
        RestrictionPolicy p = policy(PolicySettings.CLIENT_RESTRICTIONS, "reject_unknown_reverse_client_hostname, reject_unknown_client_hostname");
        assertEquals("CONTINUE", rcpt(p, facts().to("alice@example.org")));
        assertEquals("450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.10]",
                rcpt(p, facts().names("unknown", "ptr.example", false).to("alice@example.org")));
        assertEquals("450 4.7.25 Client host rejected: cannot find your reverse hostname, [192.0.2.10]",
                rcpt(p, facts().names("unknown", "unknown", false).to("alice@example.org")));
        RestrictionPolicy perm = policy(Map.of(PolicySettings.CLIENT_RESTRICTIONS, "reject_unknown_client_hostname", PolicySettings.UNKNOWN_CLIENT_REJECT_CODE, "550"));
        assertEquals("550 5.7.25 Client host rejected: cannot find your hostname, [2001:db8::1]",
                rcpt(perm, facts().ip("2001:db8:0:0::1").names("unknown", "unknown", false).to("alice@example.org")));
        assertEquals("450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.10]",
                rcpt(perm, facts().names("unknown", "unknown", true).to("alice@example.org")));
    }

    @Test
    void pipeliningAndMultiRecipientBounce() {
        RestrictionPolicy p = policy(PolicySettings.DATA_RESTRICTIONS, "reject_unauth_pipelining, reject_multi_recipient_bounce");
        assertEquals("503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining",
                text(p.check(Stage.DATA, facts().from("a@remote.example").count(1).pipelining().build())));
        assertEquals("CONTINUE", text(p.check(Stage.DATA, facts().from("").count(1).build())));
        assertEquals("550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce", text(p.check(Stage.DATA, facts().from("").count(2).build())));
    }

    @Test
    void senderLoginMismatch() {
        RestrictionPolicy p = policy(PolicySettings.SENDER_RESTRICTIONS, "reject_sender_login_mismatch, permit_sasl_authenticated");
        assertEquals("CONTINUE", rcpt(p, facts().sasl("alice@example.org").from("Alice+lists@example.org").to("x@remote.example")));
        assertEquals("553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice@example.org",
                rcpt(p, facts().sasl("alice@example.org").from("bob@example.org").to("x@remote.example")));
        assertEquals("553 5.7.1 <alice@example.org>: Sender address rejected: not logged in",
                rcpt(p, facts().from("alice@example.org").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("a@remote.example").to("alice@example.org")));
    }

    // ---------------------------------------------------------------- access tables

    private String file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    @Test
    void seedClientAndHeloTables() {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.CLIENT_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, check_client_access cidr:"
                + TablesPath.seed("client_whitelist.cidr") + ", check_client_access pcre:" + TablesPath.seed("client_checks.pcre"));
        m.put(PolicySettings.HELO_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, check_helo_access pcre:"
                + TablesPath.seed("helo_checks.pcre") + ", reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname");
        RestrictionPolicy p = policy(m);
        assertEquals("554 5.7.1 <static.7.2.0.192.isp.example[192.0.2.10]>: Client host rejected: Generic PTR hostname",
                rcpt(p, facts().name("static.7.2.0.192.isp.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().to("alice@example.org")));
        assertEquals("501 5.5.2 <myhost>: Helo command rejected: Invalid HELO hostname (need FQDN)", rcpt(p, facts().helo("myhost").to("alice@example.org")));
        assertEquals("554 5.7.1 <mail.example.nl>: Helo command rejected: Spoofed HELO (you are not me)",
                rcpt(p, facts().helo("mail.example.nl").to("alice@example.org")));
        // the seed's /i makes these patterns case-SENSITIVE (Postfix toggles), and pattern tables see the name unfolded
        assertEquals("CONTINUE", rcpt(p, facts().helo("MAIL.example.NL").to("alice@example.org")));
        assertEquals("554 5.7.1 <[192.0.2.10]>: Helo command rejected: HELO must not be an IP literal",
                rcpt(p, facts().helo("[192.0.2.10]").to("alice@example.org")));
        // the loopback client is whitelisted by permit_mynetworks before the HELO table
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.1").helo("myhost").to("alice@example.org")));
        // the default mynetworks trusts this host only (mynetworks_style = host): another loopback address is a stranger
        assertEquals("501 5.5.2 <myhost>: Helo command rejected: Invalid HELO hostname (need FQDN)",
                rcpt(p, facts().ip("127.0.0.5").helo("myhost").to("alice@example.org")));
    }

    @Test
    void seedMainCfListsLoadAsWritten() {
        // seed 001 §8.9, with the seed's table paths replaced by the test copies; the SPF policy service is unix:private/policyd-spf
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.CLIENT_RESTRICTIONS, """
                permit_mynetworks,
                permit_sasl_authenticated,
                check_client_access cidr:%s,
                check_client_access pcre:%s,
                reject_unknown_reverse_client_hostname,
                reject_unknown_client_hostname""".formatted(TablesPath.seed("client_whitelist.cidr"), TablesPath.seed("client_checks.pcre")));
        m.put(PolicySettings.RECIPIENT_RESTRICTIONS, """
                permit_mynetworks,
                permit_sasl_authenticated,
                reject_non_fqdn_recipient,
                reject_unknown_recipient_domain,
                reject_unlisted_recipient,
                check_policy_service unix:private/policyd-spf,
                reject_unauth_destination""");
        m.put(PolicySettings.SENDER_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, reject_non_fqdn_sender, reject_unknown_sender_domain");
        m.put(PolicySettings.DATA_RESTRICTIONS, "reject_unauth_pipelining");
        RestrictionPolicy.validate(config(m));
        RestrictionPolicy p = policy(m);
        // the policy server does not run here: Postfix's answer for an unreachable policy service
        assertEquals("451 4.3.5 Server configuration problem", rcpt(p, facts().from("a@remote.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.1").from("a@remote.example").to("x@anywhere.example")));
    }

    @Test
    void accessMapActionsAndLookupOrder() throws IOException {
        String access = file("access", """
                # sender access
                spammer@bad.example   REJECT
                bad.example           550 5.7.0 go away
                .sub.good.example     DUNNO
                good.example          OK
                user@                 REJECT no user@ for anyone
                held.example          HOLD quarantine this
                drop.example          DISCARD
                tagged.example        PREPEND X-Tagged: yes
                warn.example          WARN noted
                later.example         DEFER_IF_PERMIT try later
                classy.example        permit_mynetworks, reject
                defer.example         DEFER
                """);
        RestrictionPolicy p = policy(PolicySettings.SENDER_RESTRICTIONS, "check_sender_access hash:" + access);
        F base = facts().to("alice@example.org");
        assertEquals("554 5.7.1 <spammer@bad.example>: Sender address rejected: Access denied", rcpt(p, base.from("spammer@bad.example")));
        assertEquals("550 5.7.0 <other@bad.example>: Sender address rejected: go away", rcpt(p, base.from("other@bad.example")));
        assertEquals("550 5.7.0 <x@deep.bad.example>: Sender address rejected: go away", rcpt(p, base.from("x@deep.bad.example")),
                "smtpd_access_maps match parent domains by default");
        assertEquals("CONTINUE", rcpt(p, base.from("a@sub.good.example")));
        assertEquals("554 5.7.1 <user@anything.example>: Sender address rejected: no user@ for anyone", rcpt(p, base.from("user@anything.example")));
        assertEquals("554 5.7.1 <user+x@anything.example>: Sender address rejected: no user@ for anyone", rcpt(p, base.from("user+x@anything.example")));
        Decision hold = p.check(Stage.RCPT, base.from("a@held.example").build());
        assertEquals(Action.HOLD, hold.action());
        assertEquals(Action.DISCARD, p.check(Stage.RCPT, base.from("a@drop.example").to("nobody@example.org").build()).action(),
                "DISCARD skips the implicit unknown-user check too");
        Decision tagged = p.check(Stage.RCPT, facts().from("a@tagged.example").to("alice@example.org").build());
        assertEquals(List.of("X-Tagged: yes"), tagged.prepend());
        // the sender list runs again at the second RCPT, but the header goes into the message once
        assertEquals(List.of(), p.check(Stage.RCPT, facts().from("a@tagged.example").to("sales@example.org").count(1).build()).prepend());
        assertEquals("CONTINUE", rcpt(p, facts().from("a@warn.example").to("alice@example.org")));
        assertEquals("450 4.7.1 <a@later.example>: Sender address rejected: try later", rcpt(p, facts().from("a@later.example").to("alice@example.org")));
        assertEquals("554 5.7.1 <a@classy.example>: Sender address rejected: Access denied", rcpt(p, facts().from("a@classy.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.1").from("a@classy.example").to("alice@example.org")));
        assertEquals("450 4.7.1 <a@defer.example>: Sender address rejected: Access denied", rcpt(p, facts().from("a@defer.example").to("alice@example.org")));
    }

    @Test
    void parentStyleDomainMatching() throws IOException {
        String access = file("access2", "bad.example REJECT\n");
        RestrictionPolicy parent = policy(PolicySettings.SENDER_RESTRICTIONS, "check_sender_access hash:" + access);
        assertEquals("554 5.7.1 <x@deep.bad.example>: Sender address rejected: Access denied",
                rcpt(parent, facts().from("x@deep.bad.example").to("alice@example.org")));
        // without smtpd_access_maps in parent_domain_matches_subdomains, only ".bad.example" matches subdomains
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.SENDER_RESTRICTIONS, "check_sender_access hash:" + access);
        m.put(PolicySettings.PARENT_DOMAIN_MATCHES_SUBDOMAINS, "mynetworks");
        assertEquals("CONTINUE", rcpt(policy(m), facts().from("x@deep.bad.example").to("alice@example.org")));
        String dotted = file("access3", ".bad.example REJECT\n");
        m.put(PolicySettings.SENDER_RESTRICTIONS, "check_sender_access hash:" + dotted);
        assertTrue(rcpt(policy(m), facts().from("x@deep.bad.example").to("alice@example.org")).startsWith("554"));
    }

    @Test
    void clientTableByNetworkPrefixAndNullSender() throws IOException {
        String access = file("clients", "192.0.2  REJECT net blocked\nunknown  REJECT who are you\n");
        String senders = file("senders", "<>  REJECT no bounces here\n");
        RestrictionPolicy p = policy(Map.of(PolicySettings.CLIENT_RESTRICTIONS, "hash:" + access,
                PolicySettings.SENDER_RESTRICTIONS, "check_sender_access texthash:" + senders));
        assertEquals("554 5.7.1 <mx.remote.example[192.0.2.10]>: Client host rejected: net blocked", rcpt(p, facts().to("alice@example.org")));
        assertEquals("554 5.7.1 <unknown[198.51.100.1]>: Client host rejected: who are you",
                rcpt(p, facts().ip("198.51.100.1").names("unknown", "unknown", false).to("alice@example.org")));
        assertEquals("554 5.7.1 <>: Sender address rejected: no bounces here",
                rcpt(p, facts().ip("198.51.100.1").from("").to("alice@example.org")));
    }

    @Test
    void recipientTableOkDoesNotOpenRoutedAddresses() throws IOException {
        String access = file("rcpts", "example.org OK\n");
        RestrictionPolicy p = policy(Map.of(PolicySettings.RELAY_RESTRICTIONS, "check_recipient_access hash:" + access + ", reject_unauth_destination"));
        assertEquals("CONTINUE", rcpt(p, facts().to("alice@example.org")));
        assertTrue(rcpt(p, facts().to("x%other.example@example.org")).contains("Relay access denied"));
    }

    @Test
    void badTableActionsAreConfigErrors() throws IOException {
        String filter = file("filter.pcre", "/x/ OK\n/y/ FILTER smtp:[127.0.0.1]:10025\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> policy(PolicySettings.HELO_RESTRICTIONS, "check_helo_access pcre:" + filter));
        assertTrue(e.getMessage().startsWith("smtpd.smtpd_helo_restrictions: pcre:" + filter + ", line 2: action FILTER is not supported"), e.getMessage());
        String unknown = file("unknown.cidr", "192.0.2.0/24 permit_everything\n");
        e = assertThrows(IllegalArgumentException.class, () -> policy(PolicySettings.CLIENT_RESTRICTIONS, "check_client_access cidr:" + unknown));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("unknown restriction \"permit_everything\""), e.getMessage());
        String syntax = file("syntax.pcre", "/(/ REJECT\n");
        e = assertThrows(IllegalArgumentException.class, () -> policy(PolicySettings.CLIENT_RESTRICTIONS, "check_client_access pcre:" + syntax));
        assertTrue(e.getMessage().startsWith("smtpd.smtpd_client_restrictions: " + syntax + ", line 1:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> policy(PolicySettings.DATA_RESTRICTIONS, "cidr:" + unknown));
        assertTrue(e.getMessage().contains("needs a check_*_access"), e.getMessage());
    }

    @Test
    void restrictionClasses() throws IOException {
        String access = file("rcpt-classes", "alice@example.org  strict\n");
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.RESTRICTION_CLASSES, "strict = reject_non_fqdn_sender, only_ours; only_ours = check_sender_access hash:"
                + file("ours", "example.org OK\n") + ", reject");
        m.put(PolicySettings.RECIPIENT_RESTRICTIONS, "check_recipient_access hash:" + access);
        RestrictionPolicy p = policy(m);
        assertEquals("CONTINUE", rcpt(p, facts().ip("127.0.0.1").from("bob@example.org").to("alice@example.org")));
        assertEquals("554 5.7.1 <alice@example.org>: Recipient address rejected: Access denied",
                rcpt(p, facts().from("a@remote.example").to("alice@example.org")));
        assertEquals("504 5.5.2 <a@nodot>: Sender address rejected: need fully-qualified address",
                rcpt(p, facts().from("a@nodot").to("alice@example.org")));

        m.put(PolicySettings.RESTRICTION_CLASSES, "loop = loop");
        m.put(PolicySettings.RECIPIENT_RESTRICTIONS, "loop");
        assertEquals("451 4.3.5 Server configuration error", rcpt(policy(m), facts().to("alice@example.org")));

        m.put(PolicySettings.RESTRICTION_CLASSES, "reject = permit");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> policy(m));
        assertTrue(e.getMessage().contains("is a restriction name"), e.getMessage());
        m.put(PolicySettings.RESTRICTION_CLASSES, "x = no_such_thing");
        e = assertThrows(IllegalArgumentException.class, () -> policy(m));
        assertTrue(e.getMessage().startsWith("smtpd.smtpd_restriction_classes: class x: unknown restriction"), e.getMessage());
    }

    @Test
    void plaintextAndUnsupported() {
        RestrictionPolicy p = policy(PolicySettings.CLIENT_RESTRICTIONS, "reject_plaintext_session");
        assertEquals("450 4.7.1 Session encryption is required", rcpt(p, facts().to("alice@example.org")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> policy(PolicySettings.RECIPIENT_RESTRICTIONS, "reject_unverified_recipient"));
        assertTrue(e.getMessage().contains("not supported: there is no address verification service"), e.getMessage());
    }

    // ---------------------------------------------------------------- DNS lists (in-memory zone; real dnsmasq in RestrictionPolicyDnsTest)

    @Test
    void rblClientWithFilterAndTemplate() {
        dns.a.put("10.2.0.192.zen.test", List.of("127.0.0.2"));
        dns.txt.put("10.2.0.192.zen.test", List.of("https://example.test/lookup?ip=192.0.2.10"));
        dns.a.put("11.2.0.192.zen.test", List.of("127.0.0.10"));
        RestrictionPolicy p = policy(PolicySettings.CLIENT_RESTRICTIONS, "reject_rbl_client zen.test=127.0.0.[2..4]");
        assertEquals("554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.test; https://example.test/lookup?ip=192.0.2.10",
                rcpt(p, facts().to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().ip("192.0.2.11").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().ip("192.0.2.12").to("alice@example.org")));
    }

    @Test
    void rhsblSender() {
        dns.a.put("spam.example.dbl.test", List.of("127.0.1.2"));
        RestrictionPolicy p = policy(PolicySettings.SENDER_RESTRICTIONS, "reject_rhsbl_sender dbl.test");
        assertEquals("554 5.7.1 Service unavailable; Sender address [spam.example] blocked using dbl.test",
                rcpt(p, facts().from("x@spam.example").to("alice@example.org")));
        assertEquals("CONTINUE", rcpt(p, facts().from("").to("alice@example.org")));
    }

    static final class TablesPath {
        static String seed(String name) {
            return org.postern.smtp.policy.table.TablesTest.seed(name).toString();
        }
    }
}
