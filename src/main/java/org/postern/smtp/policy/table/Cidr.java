package org.postern.smtp.policy.table;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A network: address and prefix length, parsed from "192.0.2.0/24", "2001:db8::/32",
 * "[2001:db8::]/32" or a single address. Literals only: never a DNS lookup.
 */
public record Cidr(byte[] network, int prefix) {

    /** Parses an IP literal (IPv4 dotted quad, IPv6, optionally in brackets); null when it is not one. */
    public static InetAddress literal(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.regionMatches(true, 0, "IPv6:", 0, 5)) {
            t = t.substring(5);
        }
        if (t.isEmpty()) {
            return null;
        }
        try {
            if (t.indexOf(':') >= 0) {
                int pct = t.indexOf('%');
                return Inet6Address.ofLiteral(pct >= 0 ? t.substring(0, pct) : t);
            }
            String[] p = t.split("\\.", -1);
            if (p.length != 4) {
                return null;
            }
            for (String s : p) {
                if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit) || Integer.parseInt(s) > 255) {
                    return null;
                }
            }
            return Inet4Address.ofLiteral(t);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Parses a network. {@code strictHostBits}: reject networks with bits set beyond the prefix
     * ("192.0.2.1/24"), as Postfix's cidr tables do.
     */
    public static Cidr parse(String text, boolean strictHostBits) {
        String t = text.strip();
        int slash = t.lastIndexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        InetAddress a = literal(addr);
        if (a == null) {
            throw new IllegalArgumentException("bad network address \"" + text + "\"");
        }
        byte[] bytes = a.getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String len = t.substring(slash + 1);
            try {
                prefix = Integer.parseInt(len);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) {
                if (strictHostBits) {
                    throw new IllegalArgumentException("non-null host address bits in \"" + text + "\", perhaps you meant \""
                            + masked(bytes, prefix) + "/" + prefix + "\"");
                }
                bytes[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
            }
        }
        return new Cidr(bytes, prefix);
    }

    private static String masked(byte[] bytes, int prefix) {
        byte[] m = bytes.clone();
        for (int bit = prefix; bit < m.length * 8; bit++) {
            m[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(m).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }
}
