package org.postern.server.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The CLI side of the control socket: one request, one response. */
public final class ControlClient {
    private ControlClient() {
    }

    /** The server is not running (no socket, or nobody listening on it). */
    public static final class NotRunningException extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunningException(String message) {
            super(message);
        }
    }

    /** A response: {@code ok} with data lines, or the server's error text. */
    public record Response(boolean ok, String error, List<String> data) {
    }

    public static Response request(Path socket, String line) throws IOException {
        Path abs = socket.toAbsolutePath();
        if (!Files.exists(abs)) {
            throw new NotRunningException("postern is not running (no control socket at " + abs + ")");
        }
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(abs));
        } catch (IOException e) {
            throw new NotRunningException("postern is not running (nobody answers on the control socket " + abs + ")");
        }
        try (ch) {
            ByteBuffer req = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null) {
                throw new IOException("the server closed the control connection without an answer");
            }
            List<String> data = new ArrayList<>();
            String l;
            boolean ended = false;
            while ((l = in.readLine()) != null) {
                if (l.equals(".")) {
                    ended = true;
                    break;
                }
                data.add(l.startsWith("..") ? l.substring(1) : l);
            }
            if (!ended) {
                throw new IOException("truncated answer on the control socket");
            }
            if (status.equals("OK")) {
                return new Response(true, null, data);
            }
            return new Response(false, status.startsWith("ERR ") ? status.substring(4) : status, data);
        }
    }
}
