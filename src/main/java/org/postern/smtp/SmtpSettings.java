package org.postern.smtp;

import java.time.Duration;
import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/** Settings of the inbound SMTP server (Postfix smtpd names): section [smtpd]. */
public final class SmtpSettings {
    private SmtpSettings() {
    }

    private static final Setting.Group G = new Setting.Group("smtpd", true);

    public static final Setting<Long> MESSAGE_SIZE_LIMIT = G.add("message_size_limit", SettingType.SIZE, "52428800",
            "largest message accepted, in bytes (advertised in EHLO SIZE, enforced while streaming)");
    public static final Setting<String> SMTPD_BANNER = G.add("smtpd_banner", SettingType.STRING, "$myhostname ESMTP",
            "text after '220' in the greeting; $myhostname is replaced");
    public static final Setting<Duration> SMTPD_TIMEOUT = G.add("smtpd_timeout", SettingType.DURATION, "300s",
            "how long to wait for the client's next command or data before '421 4.4.2 Error: timeout exceeded'");
    public static final Setting<Integer> SMTPD_SOFT_ERROR_LIMIT = G.add("smtpd_soft_error_limit", SettingType.INT, "10",
            "after this many errors in a session, sleep smtpd_error_sleep_time before each error reply");
    public static final Setting<Integer> SMTPD_HARD_ERROR_LIMIT = G.add("smtpd_hard_error_limit", SettingType.INT, "20",
            "after this many errors in a session, '421 4.7.0 Error: too many errors' and disconnect");
    public static final Setting<Duration> SMTPD_ERROR_SLEEP_TIME = G.add("smtpd_error_sleep_time", SettingType.DURATION, "1s",
            "pause before an error reply once smtpd_soft_error_limit is reached (slows down abusers)");
    public static final Setting<Integer> SMTPD_RECIPIENT_LIMIT = G.add("smtpd_recipient_limit", SettingType.INT, "1000",
            "recipients accepted per message; more get '452 4.5.3 Error: too many recipients'");
    public static final Setting<Integer> MESSAGES_PER_CONNECTION_LIMIT = G.add("messages_per_connection_limit", SettingType.INT,
            "1000", "messages accepted over one connection; the next MAIL gets '421 4.7.0 Error: too many messages' (0: no limit)");
    public static final Setting<Integer> SMTPD_CLIENT_CONNECTION_COUNT_LIMIT = G.add("smtpd_client_connection_count_limit",
            SettingType.INT, "50", "simultaneous connections from one client IP (0: no limit; mynetworks exempt)");
    public static final Setting<Integer> SMTPD_CLIENT_CONNECTION_RATE_LIMIT = G.add("smtpd_client_connection_rate_limit",
            SettingType.INT, "0", "connections per anvil_rate_time_unit from one client IP (0: no limit; mynetworks exempt)");
    public static final Setting<Integer> SMTPD_CLIENT_MESSAGE_RATE_LIMIT = G.add("smtpd_client_message_rate_limit",
            SettingType.INT, "0", "MAIL FROM commands per anvil_rate_time_unit from one client IP (0: no limit; mynetworks exempt)");
    public static final Setting<Integer> SMTPD_CLIENT_RECIPIENT_RATE_LIMIT = G.add("smtpd_client_recipient_rate_limit",
            SettingType.INT, "0", "RCPT TO commands per anvil_rate_time_unit from one client IP (0: no limit; mynetworks exempt)");
    public static final Setting<Duration> ANVIL_RATE_TIME_UNIT = G.addGlobal("anvil_rate_time_unit", SettingType.DURATION, "60s",
            "time unit of the connection, message and recipient rate limits");
    public static final Setting<Integer> MAX_CONNECTIONS = G.add("max_connections", SettingType.INT, "1000",
            "SMTP connections served at once (Postfix: the smtpd process limit); more wait in the listen backlog");
    public static final Setting<Integer> LINE_LENGTH_LIMIT = G.add("line_length_limit", SettingType.INT, "2048",
            "longest command line accepted ('500 5.5.2 Error: line too long'); RFC 5321 requires at least 512");
    public static final Setting<Long> HEADER_SIZE_LIMIT = G.add("header_size_limit", SettingType.SIZE, "102400",
            "largest message header section (up to the first empty line) accepted; more is refused with 552 5.3.4");
    public static final Setting<Boolean> DISABLE_VRFY_COMMAND = G.add("disable_vrfy_command", SettingType.BOOL, "yes",
            "answer VRFY with '502 5.5.1 VRFY command is disabled' (no): '252 2.0.0' without revealing anything");
    public static final Setting<Boolean> SMTPUTF8_ENABLE = G.add("smtputf8_enable", SettingType.BOOL, "yes",
            "offer SMTPUTF8 (RFC 6531): UTF-8 addresses and headers");
    public static final Setting<String> SMTPD_FORBID_BARE_NEWLINE = G.add("smtpd_forbid_bare_newline",
            SettingType.oneOf("normalize", "yes", "no"), "normalize",
            "bare CR/LF in DATA: normalize (store CRLF), yes (reject '550 5.5.2 Error: bare <LF> received'), no (keep bytes);"
                    + " end of data is only ever CRLF.CRLF");
    public static final Setting<Boolean> SMTPD_FORBID_UNAUTH_PIPELINING = G.add("smtpd_forbid_unauth_pipelining", SettingType.BOOL,
            "yes", "disconnect clients that pipeline where RFC 2920 forbids it ('554 5.5.0 Error: SMTP protocol synchronization'),"
                    + " as Postfix 3.9 does; with 'no' they are only flagged for reject_unauth_pipelining");
    public static final Setting<String> SMTPD_TLS_SECURITY_LEVEL = G.add("smtpd_tls_security_level",
            SettingType.oneOf("none", "may", "encrypt"), "may",
            "STARTTLS: none (not offered), may (offered), encrypt (required before MAIL; never on a public MX)");
    public static final Setting<Boolean> SMTPD_TLS_RECEIVED_HEADER = G.add("smtpd_tls_received_header", SettingType.BOOL, "no",
            "put the TLS protocol and cipher into the Received: header");
    public static final Setting<Boolean> SMTPD_PEERNAME_LOOKUP = G.add("smtpd_peername_lookup", SettingType.BOOL, "yes",
            "look up the client's hostname (PTR, then forward-confirmed); 'unknown' otherwise");
    public static final Setting<String> SMTPD_UPSTREAM_PROXY_PROTOCOL = G.add("smtpd_upstream_proxy_protocol",
            SettingType.oneOf("", "haproxy"), "",
            "expect a PROXY protocol v1/v2 header (haproxy) on the SMTP listener; the client address comes from it");

    public static List<Setting<?>> all() {
        return G.settings();
    }
}
