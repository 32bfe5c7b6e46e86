package org.postern.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.postern.core.config.Config;
import org.postern.core.config.ConfigError;
import org.postern.core.config.Setting;
import org.postern.core.config.SettingException;
import org.postern.dns.DnsjavaResolver;
import org.postern.directory.Directory;
import org.postern.directory.SqlDirectory;
import org.postern.net.Listener;
import org.postern.net.tls.TlsContext;
import org.postern.server.cli.DataLayout;
import org.postern.server.cli.HostPort;
import org.postern.server.config.ServerSettings;
import org.postern.server.control.ControlServer;
import org.postern.smtp.delivery.LocalDeliveryAgent;
import org.postern.smtp.inbound.SmtpServer;
import org.postern.smtp.inbound.SmtpServerConfig;
import org.postern.smtp.lmtp.LmtpServer;
import org.postern.smtp.policy.RestrictionPolicy;
import org.postern.smtp.queue.DurableQueue;
import org.postern.smtp.queue.LocalTransport;
import org.postern.smtp.queue.QueueConfig;
import org.postern.smtp.queue.QueueSettings;
import org.postern.store.MaildirStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server, wired by hand (DESIGN §4.10): directory, store, local delivery, queue, policy,
 * DNS and the listeners. {@link #close()} stops listeners first, then the queue, then the
 * directory, so nothing is acknowledged that cannot be stored.
 */
public final class Assembly implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("postern");

    /** A start-up failure with a message for the administrator (port in use, bad certificate...). */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        private final transient List<ConfigError> errors;

        public StartupException(String message, Throwable cause) {
            super(message, cause);
            this.errors = List.of();
        }

        /** Configuration problems, every one of them (one per line in the message). */
        public StartupException(List<ConfigError> errors) {
            super(String.join("\n", errors.stream().map(ConfigError::toString).toList()));
            this.errors = List.copyOf(errors);
        }

        private StartupException(ConfigError error, Throwable cause) {
            super(error.toString(), cause);
            this.errors = List.of(error);
        }

        /** The configuration problems behind this failure (empty for other failures). */
        public List<ConfigError> errors() {
            return errors;
        }

        ConfigError error() {
            return errors.size() == 1 ? errors.get(0) : null;
        }
    }

    private final List<AutoCloseable> closeables = new ArrayList<>(); // closed in reverse order
    private final List<Listener> listeners = new ArrayList<>();
    private final List<String> listening = new ArrayList<>();
    private final Config config;
    private boolean closed;
    private String firstDomain;

    private Assembly(Config config) {
        this.config = config;
    }

    public static Assembly start(Config c) throws StartupException {
        Assembly a = new Assembly(c);
        try {
            a.wire();
            return a;
        } catch (StartupException e) {
            a.close();
            throw e;
        } catch (SettingException e) {
            a.close();
            throw new StartupException(c.error(e).toString(), e);
        } catch (IllegalArgumentException e) {
            a.close();
            throw new StartupException(c.error(e.getMessage()).toString(), e);
        } catch (Directory.DirectoryUnavailableException e) {
            a.close();
            throw new StartupException("directory unavailable: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw new StartupException("cannot start: " + e, e);
        }
    }

    /**
     * Checks what the file's syntax cannot, and reports every problem (not only the first):
     * restriction lists and their tables, queue settings, DNS servers, listener addresses, TLS
     * certificates, for the global configuration and every listener's view (for
     * {@code postern config check} and start-up).
     */
    public static List<ConfigError> check(Config c) {
        java.util.Set<ConfigError> errors = new java.util.LinkedHashSet<>(); // a global problem shows once, not per view
        checkOne(errors, c, () -> QueueConfig.validate(c));
        checkOne(errors, c, () -> {
            try {
                DnsjavaResolver.parseServers(c.get(ServerSettings.DNS_SERVERS));
            } catch (SettingException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new SettingException(ServerSettings.DNS_SERVERS, e.getMessage(), e);
            }
        });
        for (var s : List.of(ServerSettings.SMTP, ServerSettings.SUBMISSION, ServerSettings.SUBMISSIONS, ServerSettings.LMTP)) {
            if (!c.get(s).isEmpty()) {
                checkOne(errors, c, () -> address(c.get(s), s));
            }
        }
        DataLayout layout = DataLayout.of(c);
        for (String name : Config.LISTENERS) {
            Config view = c.forListener(name);
            if (!name.equals("lmtp")) { // LMTP answers with its own recipient policy, not the smtpd restrictions
                checkOne(errors, view, () -> RestrictionPolicy.validate(view));
            }
            checkOne(errors, view, () -> SmtpServerConfig.from(view, name, "localhost"));
            try {
                if (!name.equals("lmtp")) { // LMTP offers no TLS
                    tls(view, layout, false);
                }
            } catch (StartupException e) {
                errors.add(e.error() != null ? e.error() : view.error(e.getMessage()));
            }
        }
        return List.copyOf(errors);
    }

    private static void checkOne(java.util.Set<ConfigError> errors, Config c, Runnable check) {
        try {
            check.run();
        } catch (SettingException e) {
            errors.add(c.error(e));
        } catch (IllegalArgumentException e) {
            errors.add(c.error(e.getMessage()));
        }
    }

    /** {@link #check} as one exception listing every problem, one per line. */
    public static void validate(Config c) throws StartupException {
        List<ConfigError> errors = check(c);
        if (!errors.isEmpty()) {
            throw new StartupException(errors);
        }
    }

    private void wire() throws IOException, StartupException {
        Config c = config;
        String hostname = c.get(ServerSettings.MYHOSTNAME);
        DataLayout layout = DataLayout.of(c);
        Path data = layout.dataDir();
        Files.createDirectories(data);

        validate(c);
        DnsjavaResolver dns = DnsjavaResolver.fromConfig(c);
        SqlDirectory directory = SqlDirectory.open(c, data);
        closeables.add(directory);
        firstDomain = directory.domains().stream().map(d -> d.name()).findFirst().orElse(null);
        MaildirStore store = MaildirStore.fromConfig(c, data, hostname);
        LocalDeliveryAgent local = LocalDeliveryAgent.fromConfig(c, directory, store);

        QueueConfig queueConfig = QueueConfig.from(c, hostname, firstDomain);
        DurableQueue queue = DurableQueue.open(layout.resolve(c.get(QueueSettings.QUEUE_DIRECTORY)),
                queueConfig, Map.of("local", new LocalTransport(local)), directory::isLocalDomain);
        closeables.add(queue);
        // The control socket first: it refuses to start when another server answers on it.
        Path control = layout.resolve(c.get(ServerSettings.CONTROL_SOCKET));
        Files.createDirectories(control.getParent());
        closeables.add(ControlServer.start(control, queue));

        // One SMTP engine per listener, each built from its view of the configuration: the
        // listener's [listen.NAME] overrides win over the global values (Postfix's master.cf -o).
        String smtpAddr = c.get(ServerSettings.SMTP);
        if (!smtpAddr.isEmpty()) {
            Config sc = c.forListener("smtp");
            RestrictionPolicy policy = RestrictionPolicy.fromConfig(sc, directory, store, dns);
            TlsContext tls = tls(sc, layout, true);
            SmtpServer smtp = new SmtpServer(SmtpServerConfig.from(sc, "smtp", hostname).withMyorigin(queueConfig.myorigin()), policy, queue, dns)
                    .withClientRates(sc, policy::inMynetworks);
            listen(SmtpServer.listenerOptions(sc, "smtp", address(smtpAddr, ServerSettings.SMTP), tls, policy::inMynetworks), smtp,
                    "smtp " + smtpAddr + (tls != null ? " (SMTP, STARTTLS)" : " (SMTP)"));
        }
        String lmtpAddr = c.get(ServerSettings.LMTP);
        String lmtpSocket = c.get(ServerSettings.LMTP_SOCKET);
        if (!lmtpAddr.isEmpty() || !lmtpSocket.isEmpty()) {
            Config lc = c.forListener("lmtp");
            Path spool = layout.resolve(c.get(QueueSettings.QUEUE_DIRECTORY)).resolve("lmtp");
            LmtpServer lmtp = new LmtpServer(SmtpServerConfig.lmtp(lc, hostname).withMyorigin(queueConfig.myorigin()), directory, local, queue, spool);
            if (!lmtpAddr.isEmpty()) {
                listen(LmtpServer.listenerOptions(lc, "lmtp", address(lmtpAddr, ServerSettings.LMTP)), lmtp, "lmtp " + lmtpAddr + " (LMTP)");
            }
            if (!lmtpSocket.isEmpty()) {
                Path sock = layout.resolve(lmtpSocket);
                Files.createDirectories(sock.getParent());
                Files.deleteIfExists(sock); // a stale socket from an earlier run (the control socket proves liveness)
                listen(LmtpServer.listenerOptions(lc, "lmtp", UnixDomainSocketAddress.of(sock)), lmtp, "lmtp unix:" + sock + " (LMTP)");
            }
        }
        // submission and submissions are configured (their views resolve and are checked by
        // validate above) but not started until the submission issue.
        queue.start();
        List<String> later = new ArrayList<>();
        for (var s : List.of(ServerSettings.SUBMISSION, ServerSettings.SUBMISSIONS, ServerSettings.IMAP, ServerSettings.IMAPS,
                ServerSettings.POP3, ServerSettings.POP3S)) {
            if (!c.get(s).isEmpty()) {
                later.add(s.name() + " " + c.get(s));
            }
        }
        if (!later.isEmpty()) {
            LOG.info("not started (not part of this version yet): {}", String.join(", ", later));
        }
    }

    private void listen(Listener.Options options, org.postern.net.ConnectionHandler handler, String description)
            throws StartupException {
        Listener l = new Listener(options, handler);
        try {
            l.start();
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + options.address() + " (" + options.name() + "): " + e.getMessage(), e);
        }
        listeners.add(l);
        listening.add(description);
        LOG.info("listening: {}", description);
    }

    static InetSocketAddress address(String value, Setting<String> key) {
        HostPort hp;
        try {
            hp = HostPort.parse(value, 0, key.key());
        } catch (org.postern.server.cli.CliException e) {
            throw new SettingException(key, "bad address '" + value + "'", e);
        }
        if (hp.host().isEmpty() || hp.host().equals("*")) {
            // the wildcard address: IPv4 and IPv6 (a dual-stack socket) where the host has IPv6,
            // as Postfix's inet_interfaces = all with inet_protocols = all
            return new InetSocketAddress(hp.port());
        }
        return new InetSocketAddress(hp.host(), hp.port());
    }

    /**
     * The STARTTLS/implicit-TLS certificates of a listener's view; none (with a warning) when the
     * files are absent.
     */
    private static TlsContext tls(Config c, DataLayout layout, boolean warn) throws StartupException {
        Path cert = layout.resolve(c.get(ServerSettings.CERT_FILE));
        Path key = layout.resolve(c.get(ServerSettings.KEY_FILE));
        if (cert == null || key == null || !Files.exists(cert) || !Files.exists(key)) {
            if (warn) {
                LOG.warn("no TLS certificate at {} / {}: STARTTLS is not offered{}", cert, key,
                        c.listener() == null ? "" : " on " + c.listener());
            }
            return null;
        }
        List<TlsContext.CertSpec> sni = new ArrayList<>();
        try {
            for (String spec : c.get(ServerSettings.SNI)) {
                sni.add(TlsContext.CertSpec.parseSni(spec, layout.dataDir()));
            }
        } catch (IllegalArgumentException e) {
            throw new StartupException(c.error(ServerSettings.SNI.key(), e.getMessage()), e);
        }
        try {
            return TlsContext.fromPem(new TlsContext.CertSpec(null, cert, key), sni, c.get(ServerSettings.PROTOCOLS));
        } catch (IOException | RuntimeException e) {
            throw new StartupException(c.error(ServerSettings.CERT_FILE.key(), "TLS: " + e.getMessage()), e);
        }
    }

    /** What the server listens on, one line per listener. */
    public List<String> listening() {
        return List.copyOf(listening);
    }

    /** The command that adds a first mailbox (in the first domain we host, if any). */
    public String firstUserHint() {
        String cmd = org.postern.server.cli.Invocation.command();
        String conf = config.file() == null ? "" : " --config " + config.file();
        if (firstDomain != null) {
            return cmd + " user add you@" + firstDomain + conf;
        }
        return cmd + " domain add example.org" + conf + " && " + cmd + " user add you@example.org" + conf;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Listener l : listeners) {
            l.stop(Duration.ofSeconds(5));
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                LOG.warn("while stopping: {}", e.toString());
            }
        }
        LOG.info("stopped");
    }
}
