package org.postern.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small blocking SMTP/LMTP client for tests: raw lines and bytes in, parsed (multi-line)
 * replies out. Deliberately dumb: it sends exactly what it is told, so tests can also send what
 * a correct client never would.
 */
public final class SmtpClient implements AutoCloseable {
    /** One SMTP reply: the code and its lines (text after "NNN-" / "NNN "). */
    public record Response(int code, List<String> lines) {
        public String text() {
            return String.join("\n", lines);
        }

        /** The reply as it came on the wire, lines joined with "\n". */
        public String raw() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                b.append(i > 0 ? "\n" : "").append(code).append(i < lines.size() - 1 ? '-' : ' ').append(lines.get(i));
            }
            return b.toString();
        }

        @Override
        public String toString() {
            return raw();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private SmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new java.io.BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static SmtpClient connect(String host, int port) {
        return connect(host, port, null);
    }

    /** Connects from {@code localAddress} (e.g. "127.0.0.2", outside mynetworks) when non-null. */
    public static SmtpClient connect(String host, int port, String localAddress) {
        try {
            Socket s = new Socket();
            if (localAddress != null) {
                s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            }
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(30_000);
            return new SmtpClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException("connect " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Waits until a server on host:port answers with a 220 greeting (then QUITs). */
    public static void awaitGreeting(String host, int port, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "no attempt";
        while (System.nanoTime() < end) {
            try (SmtpClient c = connect(host, port)) {
                c.socket.setSoTimeout(5000);
                Response r = c.read();
                if (r.code() == 220) {
                    c.command("QUIT");
                    return;
                }
                last = r.raw();
            } catch (RuntimeException | IOException e) {
                last = e.getMessage();
            }
            PostfixPeer.sleep(100);
        }
        throw new IllegalStateException("no 220 greeting on " + host + ":" + port + " within " + timeout + ": " + last);
    }

    public void setTimeout(Duration d) {
        try {
            socket.setSoTimeout((int) d.toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one (possibly multi-line) reply. */
    public Response read() {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new UncheckedIOException(new IOException("connection closed by server"
                        + (lines.isEmpty() ? "" : " after " + lines)));
            }
            if (line.length() < 3) {
                throw new IllegalStateException("malformed reply line: " + line);
            }
            int code = Integer.parseInt(line.substring(0, 3));
            boolean more = line.length() > 3 && line.charAt(3) == '-';
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (!more) {
                return new Response(code, List.copyOf(lines));
            }
        }
    }

    /** Reads one reply line without its CRLF, or null at end of stream. */
    public String readLine() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    byte[] bytes = b.toByteArray();
                    int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, len, StandardCharsets.UTF_8);
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server closed the connection (reads until EOF or timeout). */
    public boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    /** Sends {@code line} + CRLF and reads the reply. */
    public Response command(String line) {
        send(line);
        return read();
    }

    /** Sends {@code line} + CRLF without reading. */
    public void send(String line) {
        raw((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public void raw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends a message body after a 354: normalises line ends to CRLF, dot-stuffs, sends the final
     * "." line and returns the reply (SMTP: one; for LMTP read more with {@link #read()}).
     */
    public Response data(String message) {
        StringBuilder b = new StringBuilder();
        for (String line : message.split("\r?\n", -1)) {
            b.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        if (message.endsWith("\n")) {
            b.setLength(b.length() - 2);
        }
        b.append(".\r\n");
        raw(b.toString().getBytes(StandardCharsets.UTF_8));
        return read();
    }

    /**
     * One whole transaction on a connected client that has said EHLO: MAIL, RCPTs, DATA. Returns the
     * final reply, or the first failing reply of MAIL/RCPT/DATA (after RSET).
     */
    public Response sendMail(String from, List<String> to, String message) {
        Response r = command("MAIL FROM:<" + from + ">");
        if (r.code() != 250) {
            command("RSET");
            return r;
        }
        int ok = 0;
        Response firstBad = null;
        for (String t : to) {
            r = command("RCPT TO:<" + t + ">");
            if (r.code() == 250 || r.code() == 251) {
                ok++;
            } else if (firstBad == null) {
                firstBad = r;
            }
        }
        if (ok == 0) {
            command("RSET");
            return firstBad;
        }
        r = command("DATA");
        if (r.code() != 354) {
            return r;
        }
        return data(message);
    }

    /** Connects, EHLOs, sends one message, QUITs; returns the reply to the end of DATA (or the first error). */
    public static Response sendOne(int port, String from, String to, String message) {
        try (SmtpClient c = connect("127.0.0.1", port)) {
            Response g = c.read();
            if (g.code() != 220) {
                return g;
            }
            Response e = c.command("EHLO client.example.org");
            if (e.code() != 250) {
                return e;
            }
            Response r = c.sendMail(from, List.of(to), message);
            c.command("QUIT");
            return r;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
