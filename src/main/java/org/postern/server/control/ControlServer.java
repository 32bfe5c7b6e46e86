package org.postern.server.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.core.Envelope;
import org.postern.core.Texts;
import org.postern.smtp.queue.QueueAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link ControlProtocol} on a unix domain socket (ServerSettings.CONTROL_SOCKET) so the
 * CLI administers the running server instead of racing its files. The socket is created mode
 * 0600: only the server's user may use it. One virtual thread per connection, one request each.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("postern");

    private final Path socket;
    private final ServerSocketChannel server;
    private final QueueAdmin queue;
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path socket, ServerSocketChannel server, QueueAdmin queue) {
        this.socket = socket;
        this.server = server;
        this.queue = queue;
        this.acceptor = Thread.ofVirtual().name("control-accept").start(this::acceptLoop);
    }

    /**
     * Binds the socket (removing a stale one left by a crashed server; refusing when another
     * server answers on it) and starts serving.
     */
    public static ControlServer start(Path socket, QueueAdmin queue) throws IOException {
        Path abs = socket.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        if (Files.exists(abs)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(abs))) {
                throw new IOException("another postern is running (control socket " + abs + " answers)");
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("another postern")) {
                    throw e;
                }
                Files.deleteIfExists(abs); // stale: nobody listens
            }
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(abs));
            try {
                Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.debug("control socket permissions not settable here");
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new ControlServer(abs, ch, queue);
    }

    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("control socket accept failed: {}", e.getMessage());
                }
                return;
            }
            Thread.ofVirtual().name("control").start(() -> serve(c));
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
            OutputStream os = Channels.newOutputStream(c);
            Writer out = new java.io.BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
            String line = readLine(in);
            List<String> data = new ArrayList<>();
            String status;
            try {
                status = line == null ? "ERR empty request" : handle(line.strip(), data);
            } catch (IllegalArgumentException e) {
                status = "ERR " + Texts.safe(e.getMessage(), 300);
                data.clear();
            } catch (IOException | RuntimeException e) {
                LOG.warn("control request '{}' failed: {}", Texts.safe(line, 100), e.toString());
                status = "ERR internal error: " + Texts.safe(e.getMessage(), 200);
                data.clear();
            }
            out.write(status + "\n");
            for (String d : data) {
                out.write((d.startsWith(".") ? "." : "") + d + "\n");
            }
            out.write(".\n");
            out.flush();
        } catch (IOException e) {
            LOG.debug("control connection: {}", e.getMessage());
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            if (sb.length() >= ControlProtocol.MAX_REQUEST) {
                throw new IOException("request too long");
            }
            sb.append((char) ch);
        }
        return ch < 0 && sb.isEmpty() ? null : sb.toString();
    }

    private String handle(String line, List<String> data) throws IOException {
        String[] w = line.split(" +");
        if (w.length == 1 && w[0].equals("ping")) {
            return "OK";
        }
        if (w.length < 2 || !w[0].equals("queue")) {
            throw new IllegalArgumentException("unknown request: " + line);
        }
        String verb = w[1].toLowerCase(Locale.ROOT);
        String arg = w.length > 2 ? w[2] : null;
        switch (verb) {
            case "list" -> {
                for (QueueAdmin.Entry e : queue.list()) {
                    entry(e, data);
                }
            }
            case "show" -> {
                QueueAdmin.Details d = queue.show(required(arg)).orElseThrow(() -> new IllegalArgumentException(arg + ": no such message"));
                entry(d.entry(), data);
                Envelope env = d.envelope();
                data.add("I " + ControlProtocol.enc(d.messageId()));
                data.add("N " + (d.nextAttempt() == null ? "-" : Long.toString(d.nextAttempt().toEpochMilli())) + " " + d.attempts());
                data.add("E ret " + ControlProtocol.enc(env.dsnRet()));
                data.add("E envid " + ControlProtocol.enc(env.dsnEnvid()));
                data.add("E body " + ControlProtocol.enc(env.bodyType()));
                data.add("E smtputf8 " + ControlProtocol.enc(env.smtputf8() ? "yes" : "no"));
                if (env.client() != null) {
                    data.add("E client " + ControlProtocol.enc(env.client().logName()));
                    data.add("E helo " + ControlProtocol.enc(env.client().helo()));
                    data.add("E protocol " + ControlProtocol.enc(env.client().protocol()));
                    data.add("E tls " + ControlProtocol.enc(env.client().tls()));
                    data.add("E sasl " + ControlProtocol.enc(env.client().saslUser()));
                }
                for (Envelope.Recipient r : env.recipients()) {
                    String notify = r.notifyOn().isEmpty() ? null
                            : String.join(",", r.notifyOn().stream().map(Enum::name).sorted().toList());
                    data.add("T " + ControlProtocol.enc(r.address().toString()) + " " + ControlProtocol.enc(notify) + " "
                            + ControlProtocol.enc(r.orcpt()));
                }
                for (String h : d.headers()) {
                    data.add("H " + ControlProtocol.enc(h));
                }
            }
            case "flush" -> data.add("C " + queue.flush());
            case "delete" -> data.add("C " + queue.delete(required(arg)));
            case "hold" -> data.add("C " + queue.hold(required(arg)));
            case "release" -> data.add("C " + queue.release(required(arg)));
            default -> throw new IllegalArgumentException("unknown queue request: " + verb);
        }
        return "OK";
    }

    private static String required(String arg) {
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("a queue id (or ALL) is required");
        }
        if (!arg.equals("ALL") && !arg.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(Texts.safe(arg, 40) + ": not a queue id");
        }
        return arg;
    }

    private static void entry(QueueAdmin.Entry e, List<String> data) {
        data.add("M " + e.id() + " " + e.size() + " " + e.arrival().toEpochMilli() + " " + e.queue() + " " + (e.running() ? 1 : 0)
                + " " + ControlProtocol.enc(e.sender()));
        for (QueueAdmin.Recipient r : e.recipients()) {
            data.add("R " + ControlProtocol.enc(r.address()) + " " + ControlProtocol.enc(r.reason()));
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing control socket: {}", e.getMessage());
        }
        acceptor.interrupt();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("removing control socket: {}", e.getMessage());
        }
    }
}
