package org.postern.smtp.inbound;

import org.postern.core.IpText;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class ReceivedHeaderTest {
    static final ZonedDateTime WHEN = ZonedDateTime.of(2026, 11, 21, 15, 54, 36, 0, ZoneId.of("UTC"));

    @Test
    void ipv6Compressed() {
        assertEquals("2001:db8::1", IpText.of(InetAddress.ofLiteral("2001:db8:0:0:0:0:0:1")));
        assertEquals("::1", IpText.of(InetAddress.ofLiteral("::1")));
        assertEquals("::", IpText.of(InetAddress.ofLiteral("::")));
        assertEquals("2001:db8:0:1:1:1:1:1", IpText.of(InetAddress.ofLiteral("2001:db8:0:1:1:1:1:1")));
        assertEquals("2001:db8::1:0:0:1", IpText.of(InetAddress.ofLiteral("2001:db8:0:0:1:0:0:1")));
        assertEquals("fe80::", IpText.of(InetAddress.ofLiteral("fe80::")));
        assertEquals("192.0.2.1", IpText.of(InetAddress.ofLiteral("192.0.2.1")));
    }

    @Test
    void postfixLayout() {
        assertEquals("Received: from client.example (mail.client.example [IPv6:2001:db8::1])\r\n"
                        + "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
                        + "\tby mx.example.org (Postern) with ESMTPS id 4ABC\r\n"
                        + "\tfor <u@example.org>; Sat, 21 Nov 2026 15:54:36 +0000 (UTC)\r\n",
                ReceivedHeader.build("client.example", "mail.client.example", InetAddress.ofLiteral("2001:db8::1"),
                        "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", "mx.example.org", "ESMTPS", "4ABC",
                        "u@example.org", WHEN));
        assertEquals("Received: from unknown (unknown [192.0.2.1])\r\n\tby mx.example.org (Postern) with SMTP id 4ABC; "
                        + "Sat, 21 Nov 2026 15:54:36 +0000 (UTC)\r\n",
                ReceivedHeader.build(null, "unknown", InetAddress.ofLiteral("192.0.2.1"), null, "mx.example.org", "SMTP", "4ABC",
                        null, WHEN));
    }
}
