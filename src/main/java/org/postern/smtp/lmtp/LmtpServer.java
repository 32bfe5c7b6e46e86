package org.postern.smtp.lmtp;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import org.postern.core.config.Config;
import org.postern.directory.Directory;
import org.postern.net.CloseCause;
import org.postern.net.Connection;
import org.postern.net.ConnectionHandler;
import org.postern.net.Listener;
import org.postern.smtp.SmtpSettings;
import org.postern.smtp.delivery.LocalDelivery;
import org.postern.smtp.inbound.SmtpServer;
import org.postern.smtp.inbound.SmtpServerConfig;
import org.postern.smtp.queue.QueueSink;

/**
 * The LMTP server (RFC 2033): the SMTP session engine in LMTP mode — LHLO, RCPT accepted only for
 * addresses we deliver, and after DATA one reply per recipient, each sent after that recipient's
 * delivery is on disk. Serves TCP and unix-domain sockets, so a Postfix can use it exactly like
 * Dovecot's ({@code virtual_transport = lmtp:inet:127.0.0.1:24} or {@code lmtp:unix:/path}).
 * <pre>
 * LmtpServer lmtp = new LmtpServer(SmtpServerConfig.lmtp(config, myhostname), directory, localDelivery,
 *         queueSink, dataDir.resolve("spool/lmtp"));
 * new Listener(LmtpServer.listenerOptions(config, "lmtp", new InetSocketAddress("127.0.0.1", 24)), lmtp).start();
 * new Listener(LmtpServer.listenerOptions(config, "lmtp", UnixDomainSocketAddress.of(socketPath)), lmtp).start();
 * </pre>
 */
public final class LmtpServer implements ConnectionHandler {
    private final SmtpServer engine;

    public LmtpServer(SmtpServerConfig cfg, Directory directory, LocalDelivery delivery, QueueSink forwardQueue, Path spoolDir)
            throws IOException {
        if (!cfg.lmtp()) {
            throw new IllegalArgumentException("LmtpServer needs an LMTP config (SmtpServerConfig.lmtp)");
        }
        this.engine = new SmtpServer(cfg, new LmtpRecipientPolicy(directory), new SpoolReceiver(spoolDir, delivery, forwardQueue), null);
    }

    @Override
    public CloseCause handle(Connection connection) throws IOException {
        return engine.handle(connection);
    }

    @Override
    public void refuse(Connection connection, Refusal refusal) throws IOException {
        engine.refuse(connection, refusal);
    }

    /**
     * Listener options for LMTP on TCP or a unix socket: no per-IP limits (the client is our own
     * MTA), no TLS; a unix socket is made readable and writable by all local users, like
     * Dovecot's lmtp socket for Postfix (mode 0666) — restrict its directory if needed.
     */
    public static Listener.Options listenerOptions(Config c, String name, SocketAddress address) {
        return new Listener.Options(name, address, c.get(SmtpSettings.MAX_CONNECTIONS), null, null, false, false,
                c.get(SmtpSettings.SMTPD_TIMEOUT), "rw-rw-rw-");
    }
}
