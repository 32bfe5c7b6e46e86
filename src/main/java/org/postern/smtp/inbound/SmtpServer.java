package org.postern.smtp.inbound;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Predicate;
import org.postern.codec.smtp.ReplyEncoder;
import org.postern.core.DnsResolver;
import org.postern.core.IpText;
import org.postern.core.Reply;
import org.postern.core.config.Config;
import org.postern.net.CloseCause;
import org.postern.net.Connection;
import org.postern.net.ConnectionHandler;
import org.postern.net.ConnectionLimits;
import org.postern.net.Listener;
import org.postern.net.tls.TlsContext;
import org.postern.smtp.SmtpSettings;
import org.postern.smtp.policy.SmtpPolicy;
import org.postern.smtp.queue.QueueSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound SMTP server (port 25 and, with another policy, submission): a
 * {@link ConnectionHandler} that runs one {@link SmtpSession} per connection. Wire it by hand:
 * <pre>
 * SmtpServer smtp = new SmtpServer(SmtpServerConfig.from(config, "smtp", myhostname), policy,
 *         new QueueReceiver(queueSink), dnsResolver);
 * Listener l = new Listener(SmtpServer.listenerOptions(config, "smtp", address, tls, mynetworks::contains), smtp).start();
 * </pre>
 */
public final class SmtpServer implements ConnectionHandler {

    private final SmtpServerConfig cfg;
    private final org.postern.pipeline.Pipeline pipeline;
    private final MessageReceiver receiver;
    private final DnsResolver dns;
    private final Logger log;
    private volatile ClientRates rates = ClientRates.none();

    /**
     * @param dns resolver for the client's hostname (null, or smtpd_peername_lookup = no: "unknown")
     */
    public SmtpServer(SmtpServerConfig cfg, SmtpPolicy policy, MessageReceiver receiver, DnsResolver dns) {
        this(cfg, org.postern.pipeline.Pipeline.of(java.util.List.of(new org.postern.smtp.policy.PolicyCheck(
                cfg.lmtp() ? "lmtp_recipients" : "restrictions", Objects.requireNonNull(policy))), java.util.Map.of(), cfg.myhostname()),
                receiver, dns);
    }

    /** A server whose sessions run the given pipeline of checks. */
    public SmtpServer(SmtpServerConfig cfg, org.postern.pipeline.Pipeline pipeline, MessageReceiver receiver, DnsResolver dns) {
        this.cfg = Objects.requireNonNull(cfg);
        this.pipeline = Objects.requireNonNull(pipeline);
        this.receiver = Objects.requireNonNull(receiver);
        this.dns = cfg.peernameLookup() ? dns : null;
        this.log = LoggerFactory.getLogger(cfg.lmtp() ? "lmtp" : "smtpd");
    }

    /** Convenience: SMTP into the queue. */
    public SmtpServer(SmtpServerConfig cfg, SmtpPolicy policy, QueueSink queue, DnsResolver dns) {
        this(cfg, policy, new QueueReceiver(queue), dns);
    }

    public SmtpServerConfig config() {
        return cfg;
    }

    /**
     * Sets the per-client message and recipient rate limits from the [smtpd] settings; clients for
     * which {@code exempt} holds ($mynetworks) are not limited. Call before the listener starts.
     */
    public SmtpServer withClientRates(Config c, Predicate<InetAddress> exempt) {
        this.rates = new ClientRates(c.get(SmtpSettings.SMTPD_CLIENT_MESSAGE_RATE_LIMIT),
                c.get(SmtpSettings.SMTPD_CLIENT_RECIPIENT_RATE_LIMIT), c.get(SmtpSettings.ANVIL_RATE_TIME_UNIT), exempt);
        return this;
    }

    @Override
    public CloseCause handle(Connection c) throws IOException {
        ClientName name = ClientName.lookup(dns, c.remoteAddress(), log);
        return new SmtpSession(cfg, c, pipeline, receiver, name, log, rates).run();
    }

    /** Postfix's anvil refusal: {@code 421 4.7.0 host Error: too many connections from IP}. */
    @Override
    public void refuse(Connection c, Refusal r) throws IOException {
        String ip = IpText.of(c.remoteAddress());
        String what = r.kind() == Refusal.Kind.CONCURRENCY ? "Connection concurrency limit exceeded"
                : "Connection rate limit exceeded";
        log.warn("{}: {} from unknown[{}] for service {}", what, r.count(), ip, cfg.listener());
        c.write(ReplyEncoder.bytes(Reply.of(421, "4.7.0", cfg.myhostname() + " Error: too many connections from " + ip)));
    }

    /**
     * Listener options from the [smtpd] settings: max connections, per-IP count and rate limits
     * (clients for which {@code exempt} holds, Postfix's smtpd_client_event_limit_exceptions =
     * $mynetworks, are never refused), STARTTLS certificates, PROXY protocol.
     *
     * @param tls certificates for STARTTLS, or null (then STARTTLS is not offered)
     */
    public static Listener.Options listenerOptions(Config c, String name, InetSocketAddress address, TlsContext tls,
                                                   Predicate<InetAddress> exempt) {
        ConnectionLimits limits = new ConnectionLimits(c.get(SmtpSettings.SMTPD_CLIENT_CONNECTION_COUNT_LIMIT),
                c.get(SmtpSettings.SMTPD_CLIENT_CONNECTION_RATE_LIMIT), c.get(SmtpSettings.ANVIL_RATE_TIME_UNIT), exempt);
        return new Listener.Options(name, address, c.get(SmtpSettings.MAX_CONNECTIONS), limits, tls, false,
                "haproxy".equals(c.get(SmtpSettings.SMTPD_UPSTREAM_PROXY_PROTOCOL)), c.get(SmtpSettings.SMTPD_TIMEOUT), null);
    }
}
