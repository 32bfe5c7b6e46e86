package org.postern.server.config;

import java.util.List;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingType;

/** Process-wide settings: sections [server], [listen], [tls], [log]. */
public final class ServerSettings {
    private ServerSettings() {
    }

    private static final Setting.Group SERVER = new Setting.Group("server");
    public static final Setting<String> MYHOSTNAME = SERVER.add("myhostname", SettingType.STRING, "localhost",
            "this server's fully-qualified host name (banner, HELO, Received headers)");
    public static final Setting<String> DATA_DIRECTORY = SERVER.add("data_directory", SettingType.STRING, ".",
            "where Postern keeps its database, mail and spool; relative to the config file's directory");
    public static final Setting<List<String>> DNS_SERVERS = SERVER.add("dns_servers", SettingType.LIST, "",
            "DNS resolvers (host or host:port) used instead of the system's; empty uses /etc/resolv.conf");
    public static final Setting<String> CONTROL_SOCKET = SERVER.add("control_socket", SettingType.STRING, "run/control.sock",
            "unix socket the CLI uses to talk to the running server (queue admin), relative to the data directory");

    private static final Setting.Group LISTEN = new Setting.Group("listen");
    public static final Setting<String> SMTP = LISTEN.add("smtp", SettingType.LISTEN, "*:25",
            "inbound SMTP (MX) listener address:port (* = every address, IPv4 and IPv6); empty disables");
    public static final Setting<String> SUBMISSION = LISTEN.add("submission", SettingType.LISTEN, "*:587",
            "submission (STARTTLS + AUTH) listener");
    public static final Setting<String> SUBMISSIONS = LISTEN.add("submissions", SettingType.LISTEN, "*:465",
            "submissions (implicit TLS + AUTH) listener");
    public static final Setting<String> IMAP = LISTEN.add("imap", SettingType.LISTEN, "*:143", "IMAP listener");
    public static final Setting<String> IMAPS = LISTEN.add("imaps", SettingType.LISTEN, "*:993", "IMAP over implicit TLS listener");
    public static final Setting<String> POP3 = LISTEN.add("pop3", SettingType.LISTEN, "*:110", "POP3 listener");
    public static final Setting<String> POP3S = LISTEN.add("pop3s", SettingType.LISTEN, "*:995", "POP3 over implicit TLS listener");
    public static final Setting<String> LMTP = LISTEN.add("lmtp", SettingType.LISTEN, "127.0.0.1:24",
            "LMTP listener (for a Postfix virtual_transport); loopback by default");
    public static final Setting<String> LMTP_SOCKET = LISTEN.add("lmtp_socket", SettingType.STRING, "run/lmtp.sock",
            "LMTP unix socket path, relative to the data directory; empty disables");

    private static final Setting.Group TLS = new Setting.Group("tls", true);
    public static final Setting<String> CERT_FILE = TLS.add("cert_file", SettingType.STRING, "tls/cert.pem",
            "default certificate chain (PEM), relative to the data directory");
    public static final Setting<String> KEY_FILE = TLS.add("key_file", SettingType.STRING, "tls/key.pem",
            "private key of the default certificate (PEM, PKCS#8 or PKCS#1)");
    public static final Setting<List<String>> SNI = TLS.add("sni", SettingType.LIST, "",
            "extra certificates chosen by SNI, each 'hostname=certfile:keyfile' (wildcards '*.example.org' allowed)");
    public static final Setting<List<String>> PROTOCOLS = TLS.add("protocols", SettingType.LIST, "TLSv1.2, TLSv1.3",
            "TLS protocol versions offered (TLSv1.2 is the minimum allowed)");

    private static final Setting.Group LOG = new Setting.Group("log");
    public static final Setting<String> LOG_FILE = LOG.add("file", SettingType.STRING, "",
            "also write the log to this file (relative to the data directory); empty logs to stdout only");
    public static final Setting<Boolean> LOG_STDOUT = LOG.add("stdout", SettingType.BOOL, "yes", "log to standard output");
    public static final Setting<String> LOG_LEVEL = LOG.add("level", SettingType.oneOf("error", "warn", "info", "debug", "trace"), "info",
            "default log level");
    public static final Setting<List<String>> LOG_LEVELS = LOG.add("levels", LogLevelsType.INSTANCE, "",
            "per-component levels, e.g. 'smtpd=debug, directory=warn' (components are logger names: smtpd, qmgr, imap-login, directory...)");
    public static final Setting<String> SYSLOG_NAME = LOG.add("syslog_name", SettingType.STRING, "postfix",
            "program name prefix of SMTP log lines (postfix/smtpd[pid]: ...) so existing fail2ban filters and log analysers work");

    public static List<Setting<?>> all() {
        return concat(SERVER.settings(), LISTEN.settings(), TLS.settings(), LOG.settings());
    }

    @SafeVarargs
    static List<Setting<?>> concat(List<Setting<?>>... lists) {
        java.util.ArrayList<Setting<?>> out = new java.util.ArrayList<>();
        for (List<Setting<?>> l : lists) {
            out.addAll(l);
        }
        return List.copyOf(out);
    }
}
