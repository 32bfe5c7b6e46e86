package org.postern.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for the crash test: several concurrent SMTP connections send uniquely numbered
 * messages ({@code X-Seq: n}, with an end marker line {@code end-of-seq n} so a torn file shows)
 * and record exactly which ones the server acknowledged with 250 after DATA. Survives the server
 * dying under it: a broken connection leaves its in-flight message unacknowledged, and the
 * connection is retried until {@link #stop()}. A connection sends up to a few dozen messages,
 * then QUITs and reconnects, so both long and fresh sessions are in flight when a crash comes.
 */
public final class SeqLoad implements AutoCloseable {
    private final int port;
    private final String sender;
    private final String recipient;
    private final int connections;
    private final String run;
    private final AtomicInteger nextSeq = new AtomicInteger(1);
    private final Set<Integer> acked = ConcurrentHashMap.newKeySet();
    private final Set<Integer> attempted = ConcurrentHashMap.newKeySet();
    private final AtomicLong refusedConnects = new AtomicLong();
    private final AtomicLong brokenSessions = new AtomicLong();
    private final AtomicLong otherReplies = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    public SeqLoad(int port, String sender, String recipient, int connections) {
        this.port = port;
        this.sender = sender;
        this.recipient = recipient;
        this.connections = connections;
        this.run = Long.toString(System.nanoTime(), 36);
    }

    /** A token in every message of this run ({@code X-Run: ...}). */
    public String runId() {
        return run;
    }

    public SeqLoad start() {
        running = true;
        for (int i = 0; i < connections; i++) {
            Thread t = Thread.ofPlatform().daemon().name("seqload-" + i).start(this::loop);
            threads.add(t);
        }
        return this;
    }

    /** Stops sending; in-flight messages finish (or time out) first. */
    public void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Sequence numbers whose DATA got a 250. */
    public Set<Integer> acknowledged() {
        return Set.copyOf(acked);
    }

    /** Sequence numbers whose MAIL FROM was sent (acknowledged or not). */
    public Set<Integer> attempted() {
        return Set.copyOf(attempted);
    }

    public long refusedConnects() {
        return refusedConnects.get();
    }

    public long brokenSessions() {
        return brokenSessions.get();
    }

    /** Non-250 replies (e.g. 421/451 while the server starts or stops). */
    public long otherReplies() {
        return otherReplies.get();
    }

    private void loop() {
        while (running) {
            try (Socket s = new Socket()) {
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                } catch (IOException e) {
                    refusedConnects.incrementAndGet();
                    PostfixPeer.sleep(20);
                    continue;
                }
                s.setSoTimeout(30_000);
                session(new BufferedInputStream(s.getInputStream()), s.getOutputStream());
            } catch (IOException | RuntimeException e) {
                brokenSessions.incrementAndGet();
                PostfixPeer.sleep(20);
            }
        }
    }

    private void session(InputStream in, OutputStream out) throws IOException {
        if (reply(in) != 220) {
            otherReplies.incrementAndGet();
            return;
        }
        send(out, "EHLO load.example.org\r\n");
        if (reply(in) != 250) {
            otherReplies.incrementAndGet();
            return;
        }
        int perConnection = ThreadLocalRandom.current().nextInt(1, 40);
        for (int i = 0; i < perConnection && running; i++) {
            int seq = nextSeq.getAndIncrement();
            attempted.add(seq);
            send(out, "MAIL FROM:<" + sender + ">\r\n");
            if (reply(in) != 250) {
                otherReplies.incrementAndGet();
                return;
            }
            send(out, "RCPT TO:<" + recipient + ">\r\n");
            if (reply(in) != 250) {
                otherReplies.incrementAndGet();
                return;
            }
            send(out, "DATA\r\n");
            if (reply(in) != 354) {
                otherReplies.incrementAndGet();
                return;
            }
            send(out, body(seq));
            int code = reply(in);
            if (code == 250) {
                acked.add(seq);
            } else {
                otherReplies.incrementAndGet();
                return;
            }
        }
        send(out, "QUIT\r\n");
        reply(in);
    }

    private String body(int seq) {
        StringBuilder b = new StringBuilder(4096);
        b.append("From: <").append(sender).append(">\r\nTo: <").append(recipient).append(">\r\n")
                .append("Subject: crash test message ").append(seq).append("\r\n")
                .append("X-Run: ").append(run).append("\r\nX-Seq: ").append(seq).append("\r\n\r\n");
        int lines = ThreadLocalRandom.current().nextInt(5, 60);
        for (int i = 0; i < lines; i++) {
            b.append("line ").append(i).append(" of message ").append(seq).append(' ').append("x".repeat(50)).append("\r\n");
        }
        b.append("end-of-seq ").append(seq).append("\r\n.\r\n");
        return b.toString();
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one (multi-line) reply; returns its code. */
    private static int reply(InputStream in) throws IOException {
        while (true) {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c == -1) {
                    throw new IOException("connection closed");
                }
                line.append((char) c);
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                if (line.length() < 3) {
                    throw new IOException("malformed reply " + line);
                }
                return Integer.parseInt(line.substring(0, 3));
            }
        }
    }
}
