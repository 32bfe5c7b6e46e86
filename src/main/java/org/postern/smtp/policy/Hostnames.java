package org.postern.smtp.policy;

import java.net.InetAddress;
import org.postern.smtp.policy.table.Cidr;

/** Postfix's host name and address syntax checks (valid_hostname, valid_hostaddr) and address text. */
final class Hostnames {
    private Hostnames() {
    }

    /**
     * RFC 1035 style host name as Postfix checks it: labels of letters, digits, '-' and '_'
     * (no leading or trailing '-'), at most 63 octets each and 255 in all, not all-numeric.
     */
    static boolean validHostname(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            return false;
        }
        boolean nonNumeric = false;
        int labelLen = 0;
        char prev = '.';
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (labelLen == 0 || prev == '-') {
                    return false;
                }
                labelLen = 0;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
                nonNumeric = true;
                labelLen++;
            } else if (c >= '0' && c <= '9') {
                labelLen++;
            } else if (c == '-') {
                if (labelLen == 0) {
                    return false;
                }
                nonNumeric = true;
                labelLen++;
            } else {
                return false;
            }
            if (labelLen > 63) {
                return false;
            }
            prev = c;
        }
        return labelLen > 0 && prev != '-' && nonNumeric;
    }

    /** An IPv4 dotted quad or IPv6 address (with or without "IPv6:"), no brackets. */
    static boolean validHostaddr(String addr) {
        return addr != null && !addr.startsWith("[") && Cidr.literal(addr) != null;
    }

    /** Truncates a trailing dot (but not ".."), as Postfix does before syntax checks. */
    static String dropTrailingDot(String name) {
        if (name.length() > 1 && name.endsWith(".") && name.charAt(name.length() - 2) != '.') {
            return name.substring(0, name.length() - 1);
        }
        return name;
    }

    /** The address as Postfix prints it: IPv4 dotted quad, IPv6 compressed (RFC 5952). */
    static String text(InetAddress a) {
        return org.postern.core.IpText.of(a);
    }
}
