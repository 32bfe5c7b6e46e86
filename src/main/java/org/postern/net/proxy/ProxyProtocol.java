package org.postern.net.proxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.postern.net.LineReader;

/**
 * HAProxy PROXY protocol, version 1 (text) and version 2 (binary), read before anything else on a
 * listener configured for it. The source address it reports replaces the client address for
 * everything downstream (limits, policy, logs). A connection that does not start with a valid
 * header is refused: on such a listener, a direct client must not be able to pass as the proxy.
 */
public final class ProxyProtocol {
    private ProxyProtocol() {
    }

    /** v2 signature: \r\n\r\n\0\r\nQUIT\n. */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** v1 lines are at most 107 bytes including CRLF. */
    static final int V1_MAX = 107;
    /** We accept v2 address blocks and TLVs up to this size. */
    static final int V2_MAX = 4096;

    /** A malformed or missing PROXY header. */
    public static final class ProxyException extends IOException {
        private static final long serialVersionUID = 1L;

        public ProxyException(String message) {
            super(message);
        }
    }

    /**
     * What the proxy reported.
     *
     * @param source the original client, or null for LOCAL / UNKNOWN (the proxy's own connection:
     *               keep the real peer address)
     * @param destination the address the client connected to, or null
     */
    public record Header(InetSocketAddress source, InetSocketAddress destination) {
    }

    /** Reads a v1 or v2 header from the start of the stream, consuming exactly its bytes. */
    public static Header read(LineReader in) throws IOException {
        if (in.fill() < 0) {
            throw new java.io.EOFException("connection closed before the PROXY header");
        }
        byte first = in.buffer()[in.position()];
        if (first == 'P') {
            return readV1(in);
        }
        if (first == 0x0D) {
            return readV2(in);
        }
        throw new ProxyException("no PROXY protocol header");
    }

    static Header readV1(LineReader in) throws IOException {
        LineReader.Line line = in.readLine(V1_MAX - 2);
        if (line == null || line.tooLong() || line.ending() != LineReader.Ending.CRLF || line.bareCr()) {
            throw new ProxyException("bad PROXY v1 header");
        }
        String[] f = new String(line.bytes(), StandardCharsets.US_ASCII).split(" ", -1);
        if (f.length < 2 || !f[0].equals("PROXY")) {
            throw new ProxyException("bad PROXY v1 header");
        }
        if (f[1].equals("UNKNOWN")) {
            return new Header(null, null);
        }
        if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            throw new ProxyException("bad PROXY v1 header");
        }
        InetAddress src = literal(f[2], f[1].equals("TCP4"));
        InetAddress dst = literal(f[3], f[1].equals("TCP4"));
        return new Header(new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5])));
    }

    static Header readV2(LineReader in) throws IOException {
        byte[] head = in.readExactly(16);
        if (!Arrays.equals(head, 0, 12, V2_SIGNATURE, 0, 12)) {
            throw new ProxyException("bad PROXY v2 signature");
        }
        int verCmd = head[12] & 0xff;
        int fam = head[13] & 0xff;
        int len = ((head[14] & 0xff) << 8) | (head[15] & 0xff);
        if ((verCmd >> 4) != 2) {
            throw new ProxyException("unsupported PROXY version " + (verCmd >> 4));
        }
        if (len > V2_MAX) {
            throw new ProxyException("PROXY v2 header too long");
        }
        byte[] body = in.readExactly(len);
        int cmd = verCmd & 0x0f;
        if (cmd == 0) {
            return new Header(null, null); // LOCAL: health check by the proxy itself
        }
        if (cmd != 1) {
            throw new ProxyException("unsupported PROXY v2 command " + cmd);
        }
        int af = fam >> 4;
        int proto = fam & 0x0f;
        if (proto != 1 && af != 0) {
            throw new ProxyException("PROXY v2: only STREAM transport is supported");
        }
        return switch (af) {
            case 0 -> new Header(null, null); // AF_UNSPEC
            case 1 -> {
                if (len < 12) {
                    throw new ProxyException("PROXY v2 IPv4 block too short");
                }
                yield new Header(
                        new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(body, 0, 4)), u16(body, 8)),
                        new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(body, 4, 8)), u16(body, 10)));
            }
            case 2 -> {
                if (len < 36) {
                    throw new ProxyException("PROXY v2 IPv6 block too short");
                }
                yield new Header(
                        new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(body, 0, 16)), u16(body, 32)),
                        new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(body, 16, 32)), u16(body, 34)));
            }
            case 3 -> new Header(null, null); // AF_UNIX: no IP to report
            default -> throw new ProxyException("PROXY v2: unknown address family " + af);
        };
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    private static int port(String s) throws ProxyException {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ProxyException("bad port in PROXY header");
        }
        int p = Integer.parseInt(s);
        if (p > 65535) {
            throw new ProxyException("bad port in PROXY header");
        }
        return p;
    }

    /** Parses an IP literal without ever touching DNS. */
    static InetAddress literal(String s, boolean v4) throws ProxyException {
        try {
            if (v4) {
                String[] p = s.split("\\.", -1);
                if (p.length != 4) {
                    throw new ProxyException("bad IPv4 address in PROXY header");
                }
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (p[i].isEmpty() || p[i].length() > 3 || !p[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
                        throw new ProxyException("bad IPv4 address in PROXY header");
                    }
                    int v = Integer.parseInt(p[i]);
                    if (v > 255) {
                        throw new ProxyException("bad IPv4 address in PROXY header");
                    }
                    b[i] = (byte) v;
                }
                return InetAddress.getByAddress(b);
            }
            if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.') || s.indexOf(':') < 0) {
                throw new ProxyException("bad IPv6 address in PROXY header");
            }
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            throw new ProxyException("bad address in PROXY header");
        }
    }
}
