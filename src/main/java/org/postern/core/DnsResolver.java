package org.postern.core;

import java.net.InetAddress;
import java.util.List;

/**
 * The one DNS interface every DNS-dependent feature uses (DESIGN §6). Implemented with dnsjava
 * against configurable servers. An empty list means NXDOMAIN or no data (a definite answer);
 * a {@link DnsTemporaryException} means the answer is unknown (timeout, SERVFAIL) and callers
 * must tempfail (450/451), never pass or permanently reject.
 */
public interface DnsResolver {

    /** A and AAAA addresses of a host name. */
    List<InetAddress> addresses(String hostname);

    /** PTR names of an address (without trailing dot, lower case). */
    List<String> ptr(InetAddress address);

    /** MX records ordered by preference. */
    List<MxRecord> mx(String domain);

    /** NS records: the name servers of a zone (lower case, without trailing dot). */
    List<String> ns(String domain);

    /** TXT records, each the concatenation of its character-strings. */
    List<String> txt(String name);

    /** A records as text (for DNSBL answers such as 127.0.0.2). */
    List<String> a(String name);

    record MxRecord(int preference, String host) {
    }

    /** The DNS could not answer now (timeout, SERVFAIL, network): a temporary condition. */
    final class DnsTemporaryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DnsTemporaryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
