package org.postern.smtp.policy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postern.core.Texts;

/**
 * A client for Postfix's SMTPD policy delegation protocol (check_policy_service): name=value
 * lines and an empty line out, "action=..." back. Endpoints are {@code inet:host:port} or
 * {@code unix:/path} (a relative unix path resolves against the configuration directory, the
 * place Postfix's "private/..." names would live). One connection per query, bounded by
 * {@code smtpd_policy_service_timeout}.
 */
record PolicyService(String name, InetSocketAddress inet, Path unix, Duration timeout) {

    static PolicyService parse(String spec, Path baseDir, Duration timeout) {
        String s = spec.strip();
        int colon = s.indexOf(':');
        String type = colon < 0 ? "" : s.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? s : s.substring(colon + 1);
        switch (type) {
            case "inet" -> {
                int c = rest.lastIndexOf(':');
                if (c <= 0) {
                    throw new IllegalArgumentException("check_policy_service " + spec + ": need inet:host:port");
                }
                String host = rest.substring(0, c);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port;
                try {
                    port = Integer.parseInt(rest.substring(c + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("check_policy_service " + spec + ": bad port");
                }
                return new PolicyService(spec, InetSocketAddress.createUnresolved(host, port), null, timeout);
            }
            case "unix" -> {
                Path p = baseDir == null ? Path.of(rest) : baseDir.resolve(rest).normalize();
                return new PolicyService(spec, null, p, timeout);
            }
            default -> throw new IllegalArgumentException("check_policy_service " + spec + ": need inet:host:port or unix:/path");
        }
    }

    /** Sends the request for this evaluation and returns the action (never null). */
    String query(Eval ev) throws IOException {
        Map<String, String> req = attributes(ev);
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> f = exec.submit(() -> exchange(req));
            try {
                return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new IOException("timeout after " + timeout.toSeconds() + "s");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    private String exchange(Map<String, String> req) throws IOException {
        StringBuilder sb = new StringBuilder();
        req.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        sb.append('\n');
        byte[] out = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (unix != null) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(unix));
                return talk(Channels.newOutputStream(ch), Channels.newInputStream(ch), out);
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(inet.getHostString(), inet.getPort()), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            return talk(s.getOutputStream(), s.getInputStream(), out);
        }
    }

    private static String talk(OutputStream os, InputStream is, byte[] request) throws IOException {
        os.write(request);
        os.flush();
        BufferedReader r = new BufferedReader(new InputStreamReader(is, StandardCharsets.UTF_8));
        String action = null;
        String line;
        int lines = 0;
        while ((line = r.readLine()) != null) {
            if (line.isEmpty()) {
                break;
            }
            if (++lines > 100) {
                throw new IOException("reply too long");
            }
            if (line.startsWith("action=")) {
                action = line.substring(7);
            }
        }
        if (action == null) {
            throw new IOException("no action in reply");
        }
        return Texts.safe(action, 1000);
    }

    private static Map<String, String> attributes(Eval ev) {
        var f = ev.facts;
        Map<String, String> m = new LinkedHashMap<>();
        m.put("request", "smtpd_access_policy");
        m.put("protocol_state", ev.where);
        m.put("protocol_name", v(f.protocol()));
        m.put("client_address", ev.clientAddr());
        m.put("client_name", v(f.clientName() == null ? ClientIdentity.UNKNOWN : f.clientName()));
        m.put("reverse_client_name", v(f.reverseName() == null ? ClientIdentity.UNKNOWN : f.reverseName()));
        m.put("helo_name", v(f.helo()));
        m.put("sender", v(f.sender()));
        m.put("recipient", v(f.recipient()));
        m.put("recipient_count", Integer.toString(f.recipientCount()));
        m.put("queue_id", v(f.queueId()));
        m.put("instance", v(f.instance()));
        m.put("size", Long.toString(f.size()));
        m.put("sasl_method", v(f.saslMethod()));
        m.put("sasl_username", v(f.saslUser()));
        m.put("sasl_sender", "");
        m.put("encryption_protocol", v(f.tlsProtocol()));
        m.put("encryption_cipher", v(f.tlsCipher()));
        m.put("policy_context", v(f.listener()));
        return m;
    }

    private static String v(String s) {
        return s == null ? "" : Texts.safe(s, 1000).replace('\n', ' ');
    }
}
