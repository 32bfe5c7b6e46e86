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

        public StartupException(String message, Throwable cause) {
            super(message, cause);
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
        } catch (IllegalArgumentException e) {
            a.close();
            throw new StartupException(located(c, e.getMessage()), e);
        } catch (Directory.DirectoryUnavailableException e) {
            a.close();
            throw new StartupException("directory unavailable: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw new StartupException("cannot start: " + e, e);
        }
    }

    /** Prefixes "file:line: " to a message that starts with a setting key ("smtpd.x: ..."). */
    static String located(Config c, String message) {
        int colon = message.indexOf(": ");
        if (colon > 0 && c.registry().containsKey(message.substring(0, colon))) {
            return c.where(message.substring(0, colon)) + message;
        }
        return where(c) + message;
    }

    private static String where(Config c) {
        return c.file() == null ? "" : c.file() + ": ";
    }

    /**
     * Checks what the file's syntax cannot: restriction lists and their tables, DNS servers,
     * listener addresses, TLS certificates (for {@code postern config check} and start-up).
     */
    public static void validate(Config c) throws StartupException {
        try {
            RestrictionPolicy.validate(c);
            QueueConfig.validate(c);
            DnsjavaResolver.parseServers(c.get(ServerSettings.DNS_SERVERS));
            for (var s : List.of(ServerSettings.SMTP, ServerSettings.LMTP)) {
                if (!c.get(s).isEmpty()) {
                    address(c.get(s), s.key());
                }
            }
        } catch (IllegalArgumentException e) {
            throw new StartupException(located(c, e.getMessage()), e);
        } catch (org.postern.server.cli.CliException e) {
            throw new StartupException(where(c) + e.getMessage(), e);
        }
        tls(c, DataLayout.of(c));
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

        RestrictionPolicy policy = RestrictionPolicy.fromConfig(c, directory, store, dns);
        TlsContext tls = tls(c, layout);

        String smtpAddr = c.get(ServerSettings.SMTP);
        if (!smtpAddr.isEmpty()) {
            SmtpServer smtp = new SmtpServer(SmtpServerConfig.from(c, "smtp", hostname).withMyorigin(queueConfig.myorigin()), policy, queue, dns)
                    .withClientRates(c, policy::inMynetworks);
            listen(SmtpServer.listenerOptions(c, "smtp", address(smtpAddr, "listen.smtp"), tls, policy::inMynetworks), smtp,
                    "smtp " + smtpAddr + (tls != null ? " (SMTP, STARTTLS)" : " (SMTP)"));
        }
        String lmtpAddr = c.get(ServerSettings.LMTP);
        String lmtpSocket = c.get(ServerSettings.LMTP_SOCKET);
        if (!lmtpAddr.isEmpty() || !lmtpSocket.isEmpty()) {
            Path spool = layout.resolve(c.get(QueueSettings.QUEUE_DIRECTORY)).resolve("lmtp");
            LmtpServer lmtp = new LmtpServer(SmtpServerConfig.lmtp(c, hostname).withMyorigin(queueConfig.myorigin()), directory, local, queue, spool);
            if (!lmtpAddr.isEmpty()) {
                listen(LmtpServer.listenerOptions(c, "lmtp", address(lmtpAddr, "listen.lmtp")), lmtp, "lmtp " + lmtpAddr + " (LMTP)");
            }
            if (!lmtpSocket.isEmpty()) {
                Path sock = layout.resolve(lmtpSocket);
                Files.createDirectories(sock.getParent());
                Files.deleteIfExists(sock); // a stale socket from an earlier run (the control socket proves liveness)
                listen(LmtpServer.listenerOptions(c, "lmtp", UnixDomainSocketAddress.of(sock)), lmtp, "lmtp unix:" + sock + " (LMTP)");
            }
        }
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

    static InetSocketAddress address(String value, String key) {
        HostPort hp = HostPort.parse(value, 0, key);
        if (hp.host().isEmpty() || hp.host().equals("*")) {
            // the wildcard address: IPv4 and IPv6 (a dual-stack socket) where the host has IPv6,
            // as Postfix's inet_interfaces = all with inet_protocols = all
            return new InetSocketAddress(hp.port());
        }
        return new InetSocketAddress(hp.host(), hp.port());
    }

    /** The STARTTLS/implicit-TLS certificates; none (with a warning) when the files are absent. */
    private static TlsContext tls(Config c, DataLayout layout) throws StartupException {
        Path cert = layout.resolve(c.get(ServerSettings.CERT_FILE));
        Path key = layout.resolve(c.get(ServerSettings.KEY_FILE));
        if (cert == null || key == null || !Files.exists(cert) || !Files.exists(key)) {
            LOG.warn("no TLS certificate at {} / {}: STARTTLS is not offered", cert, key);
            return null;
        }
        List<TlsContext.CertSpec> sni = new ArrayList<>();
        try {
            for (String spec : c.get(ServerSettings.SNI)) {
                sni.add(TlsContext.CertSpec.parseSni(spec, layout.dataDir()));
            }
        } catch (IllegalArgumentException e) {
            throw new StartupException(c.where(ServerSettings.SNI.key()) + ServerSettings.SNI.key() + ": " + e.getMessage(), e);
        }
        try {
            return TlsContext.fromPem(new TlsContext.CertSpec(null, cert, key), sni, c.get(ServerSettings.PROTOCOLS));
        } catch (IOException | RuntimeException e) {
            throw new StartupException("TLS: " + e.getMessage(), e);
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
