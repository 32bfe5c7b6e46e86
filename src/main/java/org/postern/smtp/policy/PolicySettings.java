package org.postern.smtp.policy;

import java.time.Duration;
import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/**
 * Postfix's SMTP access policy settings (section [smtpd], Postfix names and defaults), so an
 * administrator can paste main.cf restriction lists. DNS-based restrictions are opt-in: the
 * defaults work with no DNS at all and are no open relay.
 */
public final class PolicySettings {
    private PolicySettings() {
    }

    private static final Setting.Group G = new Setting.Group("smtpd", true);

    public static final Setting<Boolean> HELO_REQUIRED = G.add("smtpd_helo_required", SettingType.BOOL, "yes",
            "require HELO/EHLO before MAIL FROM (503 5.5.1 otherwise)");
    public static final Setting<List<String>> CLIENT_RESTRICTIONS = G.add("smtpd_client_restrictions", SettingType.RESTRICTIONS, "",
            "restrictions on the client's address and name (evaluated at RCPT when smtpd_delay_reject = yes)");
    public static final Setting<List<String>> HELO_RESTRICTIONS = G.add("smtpd_helo_restrictions", SettingType.RESTRICTIONS, "",
            "restrictions on the HELO/EHLO name (evaluated at RCPT when smtpd_delay_reject = yes)");
    public static final Setting<List<String>> SENDER_RESTRICTIONS = G.add("smtpd_sender_restrictions", SettingType.RESTRICTIONS, "",
            "restrictions on the MAIL FROM address (evaluated at RCPT when smtpd_delay_reject = yes)");
    public static final Setting<List<String>> RELAY_RESTRICTIONS = G.add("smtpd_relay_restrictions", SettingType.RESTRICTIONS,
            "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
            "relay control at RCPT, evaluated before smtpd_recipient_restrictions");
    public static final Setting<List<String>> RECIPIENT_RESTRICTIONS = G.add("smtpd_recipient_restrictions", SettingType.RESTRICTIONS, "",
            "restrictions on each RCPT TO address (spam blocking), after smtpd_relay_restrictions");
    public static final Setting<List<String>> DATA_RESTRICTIONS = G.add("smtpd_data_restrictions", SettingType.RESTRICTIONS, "",
            "restrictions at the DATA command, e.g. reject_unauth_pipelining");
    public static final Setting<List<String>> END_OF_DATA_RESTRICTIONS = G.add("smtpd_end_of_data_restrictions", SettingType.RESTRICTIONS, "",
            "restrictions after the message content has been received");
    public static final Setting<String> RESTRICTION_CLASSES = G.add("smtpd_restriction_classes", SettingType.STRING, "",
            "named restriction lists usable in restriction lists and access table results: \"name = restriction, ...; name2 = ...\"");
    public static final Setting<Boolean> DELAY_REJECT = G.add("smtpd_delay_reject", SettingType.BOOL, "yes",
            "evaluate client, HELO and sender restrictions at RCPT TO, so rejects can be logged with sender and recipient");
    public static final Setting<List<String>> MYNETWORKS = G.add("mynetworks", SettingType.LIST, "127.0.0.1/32 [::1]/128",
            "trusted client networks for permit_mynetworks (CIDR; IPv6 in brackets or bare); the default trusts this host only, like Postfix's mynetworks_style = host");
    public static final Setting<List<String>> RELAY_DOMAINS = G.add("relay_domains", SettingType.LIST, "",
            "other domains this server relays mail to from anyone (backup MX); our own domains come from the directory");
    public static final Setting<List<String>> PARENT_DOMAIN_MATCHES_SUBDOMAINS = G.add("parent_domain_matches_subdomains", SettingType.LIST,
            "debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains, smtpd_access_maps",
            "where 'example.com' also matches its subdomains (smtpd_access_maps, relay_domains); elsewhere write '.example.com'");
    public static final Setting<Boolean> REJECT_UNLISTED_RECIPIENT = G.add("smtpd_reject_unlisted_recipient", SettingType.BOOL, "yes",
            "reject RCPT TO for unknown users in our domains even when no restriction says so (550 5.1.1)");
    public static final Setting<Boolean> REJECT_UNLISTED_SENDER = G.add("smtpd_reject_unlisted_sender", SettingType.BOOL, "no",
            "reject MAIL FROM addresses in our domains that are not existing users");
    public static final Setting<String> NULL_ACCESS_LOOKUP_KEY = G.add("smtpd_null_access_lookup_key", SettingType.STRING, "<>",
            "the key check_sender_access looks up for the null sender");
    public static final Setting<String> DEFAULT_RBL_REPLY = G.add("default_rbl_reply", SettingType.STRING,
            "$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}",
            "reply template for reject_rbl_client and reject_rhsbl_* ($rbl_code, $rbl_class, $rbl_what, $rbl_domain, $rbl_reason, $client_address...)");
    public static final Setting<Duration> POLICY_SERVICE_TIMEOUT = G.add("smtpd_policy_service_timeout", SettingType.DURATION, "100s",
            "time limit for connecting to, writing to and reading from a check_policy_service server");

    public static final Setting<Integer> UNKNOWN_CLIENT_REJECT_CODE = code("unknown_client_reject_code", "450",
            "reply code for reject_unknown_client_hostname and reject_unknown_reverse_client_hostname");
    public static final Setting<Integer> UNKNOWN_HOSTNAME_REJECT_CODE = code("unknown_hostname_reject_code", "450",
            "reply code for reject_unknown_helo_hostname");
    public static final Setting<Integer> UNKNOWN_ADDRESS_REJECT_CODE = code("unknown_address_reject_code", "450",
            "reply code for reject_unknown_sender_domain and reject_unknown_recipient_domain");
    public static final Setting<Integer> INVALID_HOSTNAME_REJECT_CODE = code("invalid_hostname_reject_code", "501",
            "reply code for reject_invalid_helo_hostname");
    public static final Setting<Integer> NON_FQDN_REJECT_CODE = code("non_fqdn_reject_code", "504",
            "reply code for reject_non_fqdn_helo_hostname, reject_non_fqdn_sender and reject_non_fqdn_recipient");
    public static final Setting<Integer> ACCESS_MAP_REJECT_CODE = code("access_map_reject_code", "554",
            "reply code for REJECT in an access table");
    public static final Setting<Integer> ACCESS_MAP_DEFER_CODE = code("access_map_defer_code", "450",
            "reply code for DEFER in an access table");
    public static final Setting<Integer> MAPS_RBL_REJECT_CODE = code("maps_rbl_reject_code", "554",
            "reply code ($rbl_code) for reject_rbl_client and reject_rhsbl_*");
    public static final Setting<Integer> RELAY_DOMAINS_REJECT_CODE = code("relay_domains_reject_code", "554",
            "reply code for reject_unauth_destination (Relay access denied)");
    public static final Setting<Integer> UNKNOWN_VIRTUAL_MAILBOX_REJECT_CODE = code("unknown_virtual_mailbox_reject_code", "550",
            "reply code for unknown users in our domains (reject_unlisted_recipient/sender)");
    public static final Setting<Integer> REJECT_CODE = code("reject_code", "554", "reply code for the reject restriction");
    public static final Setting<Integer> DEFER_CODE = code("defer_code", "450", "reply code for the defer restriction");
    public static final Setting<Integer> PLAINTEXT_REJECT_CODE = code("plaintext_reject_code", "450",
            "reply code for reject_plaintext_session");
    public static final Setting<Integer> MULTI_RECIPIENT_BOUNCE_REJECT_CODE = code("multi_recipient_bounce_reject_code", "550",
            "reply code for reject_multi_recipient_bounce");

    private static Setting<Integer> code(String name, String def, String description) {
        return G.add(name, SettingType.INT, def, description);
    }

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
