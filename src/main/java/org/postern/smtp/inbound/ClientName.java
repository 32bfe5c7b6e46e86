package org.postern.smtp.inbound;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import org.postern.core.DnsResolver;
import org.postern.core.Texts;
import org.slf4j.Logger;

/**
 * The client's names as Postfix determines them at connect: the reverse name (PTR) and the
 * verified name (a PTR name whose A/AAAA records include the client address, "forward-confirmed").
 * "unknown" when there is none; {@code temporary} when DNS could not answer (a 450, never a pass).
 */
public record ClientName(String verified, String reverse, boolean temporary) {

    public static final ClientName UNKNOWN = new ClientName("unknown", "unknown", false);
    /** 127.0.0.1 and ::1 are "localhost", as /etc/hosts tells Postfix; no DNS query is made for them. */
    public static final ClientName LOCALHOST = new ClientName("localhost", "localhost", false);

    /** Looks the client up; {@code dns} null means no lookups (smtpd_peername_lookup = no). */
    public static ClientName lookup(DnsResolver dns, InetAddress ip, Logger log) {
        if (dns == null || ip == null) {
            return UNKNOWN;
        }
        if (ip.equals(InetAddress.getLoopbackAddress()) || ip.getHostAddress().equals("127.0.0.1")
                || ip.getHostAddress().equals("0:0:0:0:0:0:0:1")) {
            return LOCALHOST;
        }
        try {
            List<String> ptrs = dns.ptr(ip);
            if (ptrs.isEmpty()) {
                return UNKNOWN;
            }
            String reverse = clean(ptrs.getFirst());
            boolean temp = false;
            for (String p : ptrs) {
                String n = clean(p);
                if (n == null) {
                    continue;
                }
                try {
                    if (dns.addresses(n).contains(ip)) {
                        return new ClientName(n, reverse == null ? n : reverse, false);
                    }
                } catch (DnsResolver.DnsTemporaryException e) {
                    temp = true;
                }
            }
            if (reverse != null && !temp) {
                log.warn("hostname {} does not resolve to address {}", reverse, ip.getHostAddress());
            }
            return new ClientName("unknown", reverse == null ? "unknown" : reverse, temp);
        } catch (DnsResolver.DnsTemporaryException e) {
            return new ClientName("unknown", "unknown", true);
        }
    }

    /** A PTR name we may log: a syntactically plausible host name, lower case, else null. */
    static String clean(String name) {
        if (name == null) {
            return null;
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty() || n.length() > 253) {
            return null;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '.' && c != '_') {
                return null;
            }
        }
        return Texts.safe(n.toLowerCase(Locale.ROOT));
    }
}
