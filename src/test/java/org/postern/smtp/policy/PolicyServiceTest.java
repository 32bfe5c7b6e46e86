package org.postern.smtp.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.postern.smtp.policy.PolicyFixtures.config;
import static org.postern.smtp.policy.PolicyFixtures.facts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.config.Setting;
import org.postern.smtp.policy.PolicyFixtures.MemDirectory;
import org.postern.smtp.policy.SmtpPolicy.Action;
import org.postern.smtp.policy.SmtpPolicy.Decision;
import org.postern.smtp.policy.SmtpPolicy.Stage;

/** check_policy_service over real TCP and unix sockets, against a policy server speaking Postfix's protocol. */
class PolicyServiceTest {
    @TempDir
    Path dir;

    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closers = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closers) {
            c.close();
        }
    }

    /** Serves one request per connection read from the stream; the action is chosen by recipient. */
    private void serve(java.io.InputStream in, OutputStream out) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
        Map<String, String> req = new HashMap<>();
        String line;
        while ((line = r.readLine()) != null && !line.isEmpty()) {
            int eq = line.indexOf('=');
            req.put(line.substring(0, eq), line.substring(eq + 1));
        }
        requests.add(req);
        String action = answers.getOrDefault(req.get("recipient"), "DUNNO");
        if (action.equals("SLEEP")) {
            try {
                Thread.sleep(5000);
            } catch (InterruptedException e) {
                return;
            }
        }
        out.write(("action=" + action + "\n\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private int tcpServer() throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closers.add(ss);
        Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            serve(s.getInputStream(), s.getOutputStream());
                        } catch (IOException ignored) {
                            // client went away
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return ss.getLocalPort();
    }

    private Path unixServer() throws IOException {
        Path sock = dir.resolve("policy.sock");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(sock));
        closers.add(ch);
        Thread.ofVirtual().start(() -> {
            while (ch.isOpen()) {
                try {
                    SocketChannel c = ch.accept();
                    Thread.ofVirtual().start(() -> {
                        try (c) {
                            serve(Channels.newInputStream(c), Channels.newOutputStream(c));
                        } catch (IOException ignored) {
                            // client went away
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return sock;
    }

    private RestrictionPolicy policy(String service) {
        Map<Setting<?>, String> m = new HashMap<>();
        m.put(PolicySettings.RECIPIENT_RESTRICTIONS, "check_policy_service " + service);
        m.put(PolicySettings.POLICY_SERVICE_TIMEOUT, "1s");
        return RestrictionPolicy.fromConfig(config(m), new MemDirectory().domain("example.org").user("alice@example.org", null)
                .user("bob@example.org", null).user("carol@example.org", null).user("dave@example.org", null), null, null);
    }

    @Test
    void tcpPolicyServer() throws IOException {
        RestrictionPolicy p = policy("inet:127.0.0.1:" + tcpServer());
        answers.put("bob@example.org", "550 5.7.23 Message rejected due to: SPF fail");
        answers.put("carol@example.org", "PREPEND Received-SPF: Pass (mailfrom) identity=mailfrom");
        answers.put("dave@example.org", "DEFER_IF_PERMIT Service temporarily unavailable");

        Decision d = p.check(Stage.RCPT, facts().from("a@remote.example").to("alice@example.org").sasl(null).build());
        assertEquals(Action.CONTINUE, d.action());
        Map<String, String> req = requests.getFirst();
        assertEquals("smtpd_access_policy", req.get("request"));
        assertEquals("RCPT", req.get("protocol_state"));
        assertEquals("ESMTP", req.get("protocol_name"));
        assertEquals("192.0.2.10", req.get("client_address"));
        assertEquals("mx.remote.example", req.get("client_name"));
        assertEquals("mx.remote.example", req.get("helo_name"));
        assertEquals("a@remote.example", req.get("sender"));
        assertEquals("alice@example.org", req.get("recipient"));

        assertEquals("550 5.7.23 <bob@example.org>: Recipient address rejected: Message rejected due to: SPF fail",
                p.check(Stage.RCPT, facts().from("a@remote.example").to("bob@example.org").build()).reply().oneLine());
        Decision prepend = p.check(Stage.RCPT, facts().from("a@remote.example").to("carol@example.org").build());
        assertEquals(List.of("Received-SPF: Pass (mailfrom) identity=mailfrom"), prepend.prepend());
        assertEquals("450 4.7.1 <dave@example.org>: Recipient address rejected: Service temporarily unavailable",
                p.check(Stage.RCPT, facts().from("a@remote.example").to("dave@example.org").build()).reply().oneLine());
    }

    @Test
    void unixPolicyServerRelativeToConfig() throws IOException {
        Path sock = unixServer();
        answers.put("bob@example.org", "REJECT go away");
        RestrictionPolicy p = policy("unix:" + sock);
        assertEquals("554 5.7.1 <bob@example.org>: Recipient address rejected: go away",
                p.check(Stage.RCPT, facts().to("bob@example.org").build()).reply().oneLine());
        assertEquals(Action.CONTINUE, p.check(Stage.RCPT, facts().to("alice@example.org").build()).action());
    }

    @Test
    void unreachableOrSlowServerIsTemporary() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RestrictionPolicy dead = policy("inet:127.0.0.1:" + port);
        assertEquals("451 4.3.5 Server configuration problem", dead.check(Stage.RCPT, facts().to("alice@example.org").build()).reply().oneLine());

        RestrictionPolicy slow = policy("inet:127.0.0.1:" + tcpServer());
        answers.put("alice@example.org", "SLEEP");
        long t0 = System.nanoTime();
        assertEquals("451 4.3.5 Server configuration problem", slow.check(Stage.RCPT, facts().to("alice@example.org").build()).reply().oneLine());
        assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "the 1s service timeout applies");
    }

    @Test
    void badEndpointIsAConfigError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> policy("tcp:127.0.0.1"));
        assertTrue(e.getMessage().startsWith("smtpd.smtpd_recipient_restrictions: check_policy_service tcp:127.0.0.1"), e.getMessage());
    }
}
