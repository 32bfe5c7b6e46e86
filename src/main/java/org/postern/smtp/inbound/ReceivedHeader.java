package org.postern.smtp.inbound;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.postern.core.IpText;
import org.postern.core.Texts;

/**
 * The trace header we prepend (RFC 5321 §4.4), in Postfix's layout:
 * <pre>
 * Received: from HELO (HOST [IP])
 *         (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
 *         by MYHOSTNAME (Postern) with ESMTPS id QUEUEID
 *         for &lt;rcpt&gt;; Sat, 21 Nov 2026 15:54:36 +0000 (UTC)
 * </pre>
 * Every client-supplied value has been validated before and is passed through {@link Texts#safe} again.
 */
public final class ReceivedHeader {
    private ReceivedHeader() {
    }

    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z '('z')'", Locale.ROOT);

    /**
     * @param helo      HELO/EHLO/LHLO argument or null
     * @param hostname  verified client name or "unknown"
     * @param ip        client address
     * @param tls       TLS description or null (only when smtpd_tls_received_header=yes)
     * @param protocol  SMTP, ESMTP, ESMTPS, LMTP...
     * @param recipient the single recipient, or null when there are several
     */
    public static String build(String helo, String hostname, InetAddress ip, String tls, String myhostname, String protocol,
                               String queueId, String recipient, ZonedDateTime when) {
        String addr = (ip instanceof Inet6Address ? "IPv6:" : "") + IpText.of(ip);
        String host = Texts.safe(hostname == null ? "unknown" : hostname, 255);
        StringBuilder sb = new StringBuilder(256);
        sb.append("Received: from ").append(helo == null ? host : Texts.safe(helo, 255))
                .append(" (").append(host).append(" [").append(addr).append("])\r\n");
        if (tls != null) {
            sb.append("\t(using ").append(Texts.safe(tls, 200)).append(")\r\n");
        }
        sb.append("\tby ").append(myhostname).append(" (Postern) with ").append(protocol).append(" id ").append(queueId);
        if (recipient != null) {
            sb.append("\r\n\tfor <").append(Texts.safe(recipient, 320)).append('>');
        }
        sb.append("; ").append(DATE.format(when)).append("\r\n");
        return sb.toString();
    }
}
