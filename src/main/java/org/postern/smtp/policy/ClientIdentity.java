package org.postern.smtp.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import org.postern.core.DnsResolver;
import org.postern.core.DnsResolver.DnsTemporaryException;

/**
 * The client's names as Postfix's smtpd computes them at connect time: the reverse name (first
 * PTR, or "unknown") and the verified name (a PTR name whose A/AAAA records include the client
 * address, or "unknown"), with whether a lookup failed temporarily. Feed these to {@link SmtpPolicy.Facts}.
 *
 * @param name        verified (forward-confirmed) host name or "unknown"
 * @param reverseName PTR name or "unknown"
 * @param temporary   a DNS lookup failed temporarily (restrictions answer 450, not the configured code)
 */
public record ClientIdentity(String name, String reverseName, boolean temporary) {

    public static final String UNKNOWN = "unknown";

    public static ClientIdentity lookup(DnsResolver dns, InetAddress client) {
        List<String> ptrs;
        try {
            ptrs = dns.ptr(client);
        } catch (DnsTemporaryException e) {
            return new ClientIdentity(UNKNOWN, UNKNOWN, true);
        }
        if (ptrs.isEmpty()) {
            return new ClientIdentity(UNKNOWN, UNKNOWN, false);
        }
        String reverse = ptrs.getFirst().toLowerCase(Locale.ROOT);
        if (!Hostnames.validHostname(reverse)) {
            return new ClientIdentity(UNKNOWN, UNKNOWN, false);
        }
        boolean temp = false;
        for (String candidate : ptrs) {
            String n = candidate.toLowerCase(Locale.ROOT);
            if (!Hostnames.validHostname(n)) {
                continue;
            }
            try {
                if (dns.addresses(n).contains(client)) {
                    return new ClientIdentity(n, reverse, false);
                }
            } catch (DnsTemporaryException e) {
                temp = true;
            }
        }
        return new ClientIdentity(UNKNOWN, reverse, temp);
    }
}
