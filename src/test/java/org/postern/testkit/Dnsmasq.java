package org.postern.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dnsmasq (Debian dnsmasq-base) serving a test zone on 127.0.0.1 and a free port, in the
 * foreground, without upstream servers or /etc/hosts. Build the zone with dnsmasq's own options:
 * {@code --host-record=mx.test,127.0.0.5} (A + PTR), {@code --mx-host=test,mx.test,10},
 * {@code --txt-record=name,"text"}, {@code --address=/2.0.0.127.zen.test/127.0.0.2},
 * {@code --ptr-record=...}; names under a {@code --local=/domain/} domain that are not listed
 * answer NXDOMAIN. Close it to stop the process.
 */
public final class Dnsmasq implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private Dnsmasq(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static Dnsmasq start(List<String> zoneOptions) throws IOException, InterruptedException {
        Path exe = Peers.require("dnsmasq");
        int port = freeUdpAndTcpPort();
        Path log = Files.createTempFile("dnsmasq", ".log");
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--keep-in-foreground", "--no-daemon", "--no-resolv", "--no-hosts",
                "--no-poll", "--conf-file=/dev/null", "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port,
                "--pid-file=", "--log-facility=-", "--user=" + System.getProperty("user.name"), "--cache-size=0"));
        cmd.addAll(zoneOptions);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Dnsmasq d = new Dnsmasq(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("dnsmasq exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return d;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        d.close();
        throw new IOException("dnsmasq did not start: " + Files.readString(log));
    }

    /** A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both). */
    private static int freeUdpAndTcpPort() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port = Peers.freePort();
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                u.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port for dnsmasq");
    }

    public int port() {
        return port;
    }

    /** "127.0.0.1:PORT", the form dns_servers takes. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // temp file
        }
    }

    /** A UDP "server" on loopback that reads queries and never answers (a dead resolver: timeouts). */
    public static final class Silent implements AutoCloseable {
        private final DatagramSocket socket;
        private final Thread thread;

        public Silent() throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[4096];
                while (!socket.isClosed()) {
                    try {
                        socket.receive(new DatagramPacket(buf, buf.length));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        public String server() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() {
            socket.close();
            thread.interrupt();
        }
    }
}
