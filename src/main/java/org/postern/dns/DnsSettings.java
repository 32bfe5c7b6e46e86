package org.postern.dns;

import java.time.Duration;
import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/**
 * Resolver tuning, section [server] beside {@code dns_servers} (which ServerSettings declares).
 * Names follow Postfix where it has one; the rest are Postern's own.
 */
public final class DnsSettings {
    private DnsSettings() {
    }

    private static final Setting.Group G = new Setting.Group("server");

    public static final Setting<Duration> DNS_TIMEOUT = G.add("dns_timeout", SettingType.DURATION, "5s",
            "how long to wait for one DNS server's answer before trying the next (or giving up: a temporary failure)");
    public static final Setting<Integer> DNS_ATTEMPTS = G.add("dns_attempts", SettingType.INT, "2",
            "how many rounds over the DNS servers before a query counts as a temporary failure");
    public static final Setting<Integer> DNS_CACHE_SIZE = G.add("dns_cache_size", SettingType.INT, "10000",
            "answers kept in the DNS cache (positive and negative, each for its TTL); 0 disables the cache");
    public static final Setting<Duration> DNS_NEGATIVE_TTL = G.add("dns_negative_ttl", SettingType.DURATION, "5m",
            "longest time an NXDOMAIN/no-data answer is cached (the zone's SOA minimum is used when shorter)");
    public static final Setting<Boolean> DNS_TRUST_AD = G.add("dns_trust_ad", SettingType.BOOL, "true",
            "take the AD (authenticated data) bit of the DNS servers' answers as DNSSEC validation, as Postfix's "
                    + "smtp_dns_support_level = dnssec does; sound only with a validating resolver on a trusted path (loopback); "
                    + "DANE needs it");
    public static final Setting<String> DNS_HOSTS_FILE = G.add("dns_hosts_file", SettingType.STRING, "/etc/hosts",
            "hosts file consulted first for loopback names and addresses (localhost); empty disables");

    /** Key of ServerSettings.DNS_SERVERS (declared in the server layer, which this layer must not import). */
    public static final String DNS_SERVERS_KEY = "server.dns_servers";

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
