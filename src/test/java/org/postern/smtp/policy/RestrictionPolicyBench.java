package org.postern.smtp.policy;

import static org.postern.smtp.policy.PolicyFixtures.config;
import static org.postern.smtp.policy.PolicyFixtures.facts;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postern.core.config.Setting;
import org.postern.smtp.policy.PolicyFixtures.MemDirectory;
import org.postern.smtp.policy.SmtpPolicy.Facts;
import org.postern.smtp.policy.SmtpPolicy.Stage;

/** RCPT checks per second with the seed's client/HELO lists and tables (in-memory directory, no DNS). Not a timed test. */
@Tag("bench")
class RestrictionPolicyBench {
    @Test
    void rcptChecksPerSecond() {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.MYNETWORKS, "127.0.0.1/32");
        m.put(PolicySettings.CLIENT_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, check_client_access cidr:"
                + RestrictionPolicyTest.TablesPath.seed("client_whitelist.cidr") + ", check_client_access pcre:" + RestrictionPolicyTest.TablesPath.seed("client_checks.pcre"));
        m.put(PolicySettings.HELO_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, check_helo_access pcre:"
                + RestrictionPolicyTest.TablesPath.seed("helo_checks.pcre") + ", reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname");
        m.put(PolicySettings.SENDER_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, reject_non_fqdn_sender");
        m.put(PolicySettings.RECIPIENT_RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, reject_non_fqdn_recipient, reject_unlisted_recipient, reject_unauth_destination");
        MemDirectory d = new MemDirectory().domain("example.org").user("alice@example.org", null);
        RestrictionPolicy p = RestrictionPolicy.fromConfig(config(m), d, null, null);
        Facts ok = facts().from("a@remote.example").to("alice@example.org").build();
        Facts bad = facts().from("a@remote.example").to("x@elsewhere.example").build();
        for (int i = 0; i < 200_000; i++) {
            p.check(Stage.RCPT, (i & 1) == 0 ? ok : bad);
        }
        int n = 1_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            p.check(Stage.RCPT, (i & 1) == 0 ? ok : bad);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("RestrictionPolicy: %d RCPT checks in %.2fs = %.0f/s (%.2f us each)%n", n, secs, n / secs, secs * 1e6 / n);
    }
}
