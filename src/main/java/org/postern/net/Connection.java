package org.postern.net;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.postern.net.tls.TlsContext;

/**
 * One accepted client connection: a TCP socket (optionally TLS) or a unix-domain socket
 * channel, with a bounded {@link LineReader} and a buffered output. Created by the {@link Listener};
 * a protocol handler reads lines, writes replies and may upgrade to TLS (STARTTLS).
 */
public final class Connection implements Closeable {
    private static final int BUFFER = 16 * 1024;

    private final String id;
    private final String listenerName;
    private final TlsContext tls;
    private Socket socket;              // null for a unix-domain connection
    private final Socket rawSocket;     // the TCP socket under any TLS layer
    private final SocketChannel channel; // null for TCP
    private InetSocketAddress remote;
    private final SocketAddress local;
    private final LineReader reader;
    private OutputStream out;
    private SSLSession tlsSession;
    private volatile boolean timedOut;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private Duration timeout = Duration.ofMinutes(5);
    private volatile boolean closed;
    private volatile boolean stopping;

    Connection(String id, String listenerName, Socket socket, TlsContext tls) throws IOException {
        this.id = id;
        this.listenerName = listenerName;
        this.socket = socket;
        this.rawSocket = socket;
        this.channel = null;
        this.tls = tls;
        this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.local = socket.getLocalSocketAddress();
        socket.setTcpNoDelay(true);
        this.reader = new LineReader(socket.getInputStream(), BUFFER);
        this.out = new BufferedOutputStream(socket.getOutputStream(), BUFFER);
    }

    Connection(String id, String listenerName, SocketChannel channel) throws IOException {
        this.id = id;
        this.listenerName = listenerName;
        this.socket = null;
        this.rawSocket = null;
        this.channel = channel;
        this.tls = null;
        // A unix-domain peer is local: it is the loopback client for logs and policy.
        this.remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        this.local = channel.getLocalAddress();
        this.reader = new LineReader(new UnixIn(Channels.newInputStream(channel)), BUFFER);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
    }

    /** Reads of a unix channel cannot use SO_TIMEOUT: the listener's watchdog shuts input down instead. */
    private final class UnixIn extends InputStream {
        private final InputStream in;

        UnixIn(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            deadlineNanos = System.nanoTime() + timeout.toNanos();
            int n;
            try {
                n = in.read(b, off, len);
            } finally {
                deadlineNanos = Long.MAX_VALUE;
            }
            if (n < 0 && timedOut) {
                throw new SocketTimeoutException("read timed out");
            }
            return n;
        }
    }

    /** Called by the listener's watchdog for unix connections. */
    void checkDeadline(long now) {
        if (channel != null && now > deadlineNanos && !timedOut) {
            timedOut = true;
            try {
                channel.shutdownInput();
            } catch (IOException e) {
                // the read will end anyway when the channel closes
            }
        }
    }

    /** Connection id, e.g. "smtp-1a2b": in the thread name and the log context. */
    public String id() {
        return id;
    }

    public String listenerName() {
        return listenerName;
    }

    /** The client's address (after PROXY protocol, the address the proxy reported). */
    public InetSocketAddress remote() {
        return remote;
    }

    public InetAddress remoteAddress() {
        return remote.getAddress();
    }

    public SocketAddress local() {
        return local;
    }

    public boolean isUnixDomain() {
        return channel != null;
    }

    void setRemote(InetSocketAddress realClient) {
        this.remote = realClient;
    }

    public LineReader reader() {
        return reader;
    }

    /** Buffered output; {@link #flush()} sends it. */
    public OutputStream out() {
        return out;
    }

    public void write(byte[] b) throws IOException {
        out.write(b);
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** Read timeout for every following read (idle and command timeout). */
    public void setTimeout(Duration t) throws IOException {
        this.timeout = t;
        if (socket != null) {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, t.toMillis())));
        }
    }

    /** TLS is active on this connection. */
    public boolean isTls() {
        return tlsSession != null;
    }

    /** The TLS session, or null. */
    public SSLSession tlsSession() {
        return tlsSession;
    }

    /** A certificate is configured and TLS is not yet active (STARTTLS may be offered). */
    public boolean canStartTls() {
        return tls != null && socket != null && tlsSession == null;
    }

    /** The listener's TLS context, or null. */
    public TlsContext tlsContext() {
        return tls;
    }

    /**
     * Upgrades to TLS (STARTTLS, RFC 3207) after the 220 reply was flushed. Input the client
     * pipelined after the STARTTLS command is discarded (a plaintext injection otherwise) and the
     * handshake runs now; on failure an IOException (an {@link javax.net.ssl.SSLException}) is thrown.
     *
     * @return the number of discarded plaintext bytes (for a log line)
     */
    public int startTls() throws IOException {
        int discarded = reader.drain().length;
        handshake(null);
        return discarded;
    }

    /** Implicit TLS: the handshake starts at once; bytes already read (after a PROXY header) are its start. */
    void implicitTls() throws IOException {
        byte[] already = reader.drain();
        handshake(already.length == 0 ? null : new ByteArrayInputStream(already));
    }

    private void handshake(InputStream consumed) throws IOException {
        if (!canStartTls()) {
            throw new IllegalStateException("TLS is not available on this connection");
        }
        SSLSocket ssl = tls.wrap(socket, consumed);
        ssl.setSoTimeout(socket.getSoTimeout());
        ssl.startHandshake();
        this.socket = ssl;
        this.tlsSession = ssl.getSession();
        reader.setSource(ssl.getInputStream());
        this.out = new BufferedOutputStream(ssl.getOutputStream(), BUFFER);
    }

    /** True when the last read failed because of the timeout. */
    public boolean timedOut() {
        return timedOut;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (socket != null) {
                try {
                    out.flush();
                } catch (IOException e) {
                    // the peer is gone; nothing left to say
                }
                socket.close();
            } else {
                channel.close();
            }
        } catch (IOException e) {
            // closing a broken connection: nothing to do
        }
    }

    /**
     * Server shutdown, first step (from the stopping thread): the input ends as if the client had
     * closed, so the protocol's own thread notices at its next read and can say goodbye (SMTP's
     * 421, RFC 5321 §3.8) before it closes. Nothing is written from here.
     */
    void stopInput() {
        stopping = true;
        try {
            if (rawSocket != null) {
                rawSocket.shutdownInput();
            } else {
                channel.shutdownInput();
            }
        } catch (IOException e) {
            // already closed
        }
    }

    /** True once the server is shutting down: a read that ended did so because of it. */
    public boolean stopping() {
        return stopping;
    }

    /** Closes the transport at once from another thread (server shutdown): blocked reads end. */
    void abort() {
        closed = true;
        try {
            if (rawSocket != null) {
                rawSocket.close();
            } else {
                channel.close();
            }
        } catch (IOException e) {
            // already broken
        }
    }

    @Override
    public String toString() {
        return id + " " + remote;
    }
}
