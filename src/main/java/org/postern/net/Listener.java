package org.postern.net;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.postern.net.proxy.ProxyProtocol;
import org.postern.net.tls.TlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * An accept loop on virtual threads with blocking I/O (DESIGN §4.6): a connection permit is taken
 * before {@code accept()} and released when the connection ends, so at most
 * {@code maxConnections} clients are served and the rest wait in the kernel's backlog. Each
 * connection gets its own virtual thread, named with the connection id. Before the protocol
 * handler runs, the listener reads the PROXY header (if configured), performs implicit TLS (if
 * configured) and applies the per-IP limits to the real client address.
 */
public final class Listener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("postern.net");
    private static final AtomicLong IDS = new AtomicLong(System.nanoTime() & 0xffffff);

    /**
     * How a listener behaves.
     *
     * @param name             service name for logs and thread names ("smtp", "lmtp"...)
     * @param address          an {@link InetSocketAddress} (port 0 picks a free port) or a {@link UnixDomainSocketAddress}
     * @param maxConnections   connections served at once (permits)
     * @param limits           per-IP count and rate limits
     * @param tls              certificates for STARTTLS / implicit TLS, or null
     * @param implicitTls      TLS from the first byte (ports 465, 993, 995)
     * @param proxyProtocol    expect a PROXY v1/v2 header first
     * @param handshakeTimeout time allowed for the PROXY header and the implicit TLS handshake
     * @param unixSocketMode   permissions of a unix socket file, e.g. "rw-rw-rw-"
     */
    public record Options(String name, SocketAddress address, int maxConnections, ConnectionLimits limits, TlsContext tls,
                          boolean implicitTls, boolean proxyProtocol, Duration handshakeTimeout, String unixSocketMode) {
        public Options {
            Objects.requireNonNull(name);
            Objects.requireNonNull(address);
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1");
            }
            limits = limits == null ? ConnectionLimits.none() : limits;
            handshakeTimeout = handshakeTimeout == null ? Duration.ofSeconds(30) : handshakeTimeout;
            if (implicitTls && tls == null) {
                throw new IllegalArgumentException("listener " + name + ": implicit TLS needs a certificate");
            }
        }

        /** A plain TCP listener with defaults. */
        public static Options tcp(String name, InetSocketAddress address, int maxConnections) {
            return new Options(name, address, maxConnections, null, null, false, false, null, null);
        }

        public Options withTls(TlsContext t, boolean implicit) {
            return new Options(name, address, maxConnections, limits, t, implicit, proxyProtocol, handshakeTimeout, unixSocketMode);
        }

        public Options withLimits(ConnectionLimits l) {
            return new Options(name, address, maxConnections, l, tls, implicitTls, proxyProtocol, handshakeTimeout, unixSocketMode);
        }

        public Options withProxyProtocol(boolean on) {
            return new Options(name, address, maxConnections, limits, tls, implicitTls, on, handshakeTimeout, unixSocketMode);
        }
    }

    private final Options options;
    private final ConnectionHandler handler;
    private final Semaphore permits;
    private final Set<Connection> active = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private ServerSocket tcp;
    private ServerSocketChannel unix;
    private Thread acceptor;
    private Thread watchdog;
    private SocketAddress bound;

    public Listener(Options options, ConnectionHandler handler) {
        this.options = options;
        this.handler = handler;
        this.permits = new Semaphore(options.maxConnections());
    }

    /** Binds and starts accepting; returns once the socket is bound. */
    public synchronized Listener start() throws IOException {
        if (running) {
            return this;
        }
        if (options.address() instanceof UnixDomainSocketAddress ua) {
            Path p = ua.getPath();
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.deleteIfExists(p); // a stale socket from a previous run
            unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            unix.bind(ua, 128);
            if (options.unixSocketMode() != null) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(options.unixSocketMode()));
            }
            bound = ua;
        } else {
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(options.address(), 256);
            bound = tcp.getLocalSocketAddress();
        }
        running = true;
        acceptor = Thread.ofPlatform().name(options.name() + "-accept").daemon(true).start(this::acceptLoop);
        if (unix != null) {
            watchdog = Thread.ofVirtual().name(options.name() + "-watchdog").start(this::watch);
        }
        return this;
    }

    /** The bound address (with the real port when 0 was asked). */
    public SocketAddress boundAddress() {
        return bound;
    }

    /** The bound TCP port (for tests), or -1 for a unix socket. */
    public int port() {
        return bound instanceof InetSocketAddress i ? i.getPort() : -1;
    }

    public Options options() {
        return options;
    }

    /** Connections being served now. */
    public int activeConnections() {
        return active.size();
    }

    private void acceptLoop() {
        while (running) {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            boolean handedOff = false;
            try {
                if (tcp != null) {
                    Socket s = tcp.accept();
                    String id = nextId();
                    Thread.ofVirtual().name(id).start(() -> serve(id, s, null));
                } else {
                    SocketChannel ch = unix.accept();
                    String id = nextId();
                    Thread.ofVirtual().name(id).start(() -> serve(id, null, ch));
                }
                handedOff = true;
            } catch (IOException e) {
                if (running) {
                    LOG.warn("{}: accept failed: {}", options.name(), e.toString());
                    pause();
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                LOG.error("{}: cannot start a connection thread: {}", options.name(), e.toString());
                pause();
            } finally {
                if (!handedOff) {
                    permits.release();
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // e.g. out of file descriptors: do not spin
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private String nextId() {
        return options.name() + "-" + Long.toString(IDS.incrementAndGet(), 36);
    }

    private void serve(String id, Socket s, SocketChannel ch) {
        Connection c = null;
        CloseCause cause = CloseCause.INTERNAL_ERROR;
        MDC.put("conn", id);
        try {
            c = s != null ? new Connection(id, options.name(), s, options.tls()) : new Connection(id, options.name(), ch);
            active.add(c);
            if (!running) {
                cause = CloseCause.SHUTDOWN;
                return;
            }
            cause = run(c);
        } catch (IOException e) {
            cause = classify(c, e);
            if (cause == CloseCause.TLS_FAILURE) {
                LOG.info("{}: TLS handshake failed from {}: {}", id, c == null ? "?" : c.remote(), e.getMessage());
            } else if (cause == CloseCause.PROTOCOL) {
                LOG.warn("{}: {} from {}", id, e.getMessage(), c == null ? "?" : c.remote());
            }
        } catch (RuntimeException | Error e) {
            LOG.error("{}: internal error: {}", id, e.toString(), e);
            cause = CloseCause.INTERNAL_ERROR;
        } finally {
            if (c != null) {
                c.close();
                active.remove(c);
                logClose(c, cause);
            } else {
                closeQuietly(s, ch);
            }
            permits.release();
            MDC.remove("conn");
        }
    }

    private CloseCause run(Connection c) throws IOException {
        c.setTimeout(options.handshakeTimeout());
        if (options.proxyProtocol()) {
            ProxyProtocol.Header h = ProxyProtocol.read(c.reader());
            if (h.source() != null) {
                c.setRemote(h.source());
            }
        }
        if (options.implicitTls()) {
            c.implicitTls();
        }
        InetAddress ip = c.remoteAddress();
        ConnectionHandler.Refusal[] refusal = new ConnectionHandler.Refusal[1];
        ConnectionLimits.Lease lease = options.limits().acquire(ip, refusal);
        if (lease == null) {
            handler.refuse(c, refusal[0]);
            c.flush();
            return CloseCause.LIMIT;
        }
        try (lease) {
            return handler.handle(c);
        }
    }

    static CloseCause classify(Connection c, IOException e) {
        if (e instanceof SocketTimeoutException) {
            return CloseCause.TIMEOUT;
        }
        if (e instanceof SSLException) {
            return CloseCause.TLS_FAILURE;
        }
        if (e instanceof ProxyProtocol.ProxyException) {
            return CloseCause.PROTOCOL;
        }
        if (c != null && c.isClosed() || e instanceof ClosedChannelException) {
            return CloseCause.SHUTDOWN;
        }
        if (e instanceof EOFException) {
            return CloseCause.EOF;
        }
        if (e instanceof SocketException) {
            return CloseCause.IO_ERROR;
        }
        return CloseCause.IO_ERROR;
    }

    private static void logClose(Connection c, CloseCause cause) {
        String msg = "{}: closed ({}) {}";
        switch (cause.level()) {
            case DEBUG -> LOG.debug(msg, c.id(), cause, c.remote());
            case INFO -> LOG.info(msg, c.id(), cause, c.remote());
            case WARN -> LOG.warn(msg, c.id(), cause, c.remote());
            case ERROR -> LOG.error(msg, c.id(), cause, c.remote());
        }
    }

    private static void closeQuietly(Socket s, SocketChannel ch) {
        try {
            if (s != null) {
                s.close();
            }
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            // nothing to add
        }
    }

    private void watch() {
        while (running) {
            long now = System.nanoTime();
            for (Connection c : active) {
                c.checkDeadline(now);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Stops accepting, ends the input of every open connection (the protocol answers its own
     * goodbye), closes what is left after half of {@code grace} and waits up to {@code grace} in all.
     */
    public void stop(Duration grace) {
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
        }
        try {
            if (tcp != null) {
                tcp.close();
            }
            if (unix != null) {
                unix.close();
                Files.deleteIfExists(((UnixDomainSocketAddress) options.address()).getPath());
            }
        } catch (IOException e) {
            LOG.debug("{}: closing the listening socket: {}", options.name(), e.toString());
        }
        acceptor.interrupt();
        if (watchdog != null) {
            watchdog.interrupt();
        }
        // First the input of every connection ends, so each protocol thread says goodbye itself
        // (SMTP: 421) and a message being received is never acknowledged; what is still open after
        // a short while (a client that does not read) is cut.
        for (Connection c : active) {
            c.stopInput();
        }
        long start = System.nanoTime();
        long end = start + grace.toNanos();
        awaitIdle(Math.min(end, start + grace.toNanos() / 2));
        for (Connection c : active) {
            c.abort();
        }
        awaitIdle(end);
    }

    private void awaitIdle(long deadlineNanos) {
        while (!active.isEmpty() && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
