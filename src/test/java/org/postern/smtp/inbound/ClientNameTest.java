package org.postern.smtp.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postern.core.DnsResolver;
import org.slf4j.LoggerFactory;

/** Forward-confirmed client names (pure logic over an in-memory zone). */
class ClientNameTest {

    static DnsResolver zone(Map<String, List<String>> ptr, Map<String, List<String>> a, String failing) {
        return new DnsResolver() {
            @Override
            public <T extends org.postern.core.DnsRecord> org.postern.core.DnsAnswer<T> lookup(String name, org.postern.core.DnsType<T> type) {
                return org.postern.testkit.ListZone.answer(this, name, type);
            }

            public List<InetAddress> addresses(String host) {
                if (host.equals(failing)) {
                    throw new DnsTemporaryException("SERVFAIL", null);
                }
                return a.getOrDefault(host, List.of()).stream().map(InetAddress::ofLiteral).toList();
            }

            public List<String> ptr(InetAddress ip) {
                if (ip.getHostAddress().equals(failing)) {
                    throw new DnsTemporaryException("timeout", null);
                }
                return ptr.getOrDefault(ip.getHostAddress(), List.of());
            }

            public List<MxRecord> mx(String d) {
                return List.of();
            }

            public List<String> ns(String d) {
                return List.of();
            }

            public List<String> txt(String n) {
                return List.of();
            }

            public List<String> a(String n) {
                return List.of();
            }
        };
    }

    @Test
    void names() {
        var log = LoggerFactory.getLogger("smtpd");
        DnsResolver dns = zone(Map.of("192.0.2.1", List.of("Mail.Example.org."), "192.0.2.2", List.of("liar.example"),
                        "192.0.2.3", List.of("slow.example"), "192.0.2.4", List.of("bad name\r\n.example")),
                Map.of("mail.example.org", List.of("192.0.2.1"), "liar.example", List.of("198.51.100.1")), "slow.example");
        assertEquals(new ClientName("mail.example.org", "mail.example.org", false), ClientName.lookup(dns, InetAddress.ofLiteral("192.0.2.1"), log));
        assertEquals(new ClientName("unknown", "liar.example", false), ClientName.lookup(dns, InetAddress.ofLiteral("192.0.2.2"), log));
        assertEquals(new ClientName("unknown", "slow.example", true), ClientName.lookup(dns, InetAddress.ofLiteral("192.0.2.3"), log));
        assertEquals(new ClientName("unknown", "unknown", false), ClientName.lookup(dns, InetAddress.ofLiteral("192.0.2.4"), log));
        assertEquals(ClientName.UNKNOWN, ClientName.lookup(dns, InetAddress.ofLiteral("192.0.2.9"), log));
        DnsResolver down = zone(Map.of(), Map.of(), "192.0.2.5");
        assertEquals(new ClientName("unknown", "unknown", true), ClientName.lookup(down, InetAddress.ofLiteral("192.0.2.5"), log));
        assertEquals(ClientName.UNKNOWN, ClientName.lookup(null, InetAddress.ofLiteral("192.0.2.1"), log));
        // like /etc/hosts for Postfix: loopback is localhost, without asking the DNS (down here)
        assertEquals(ClientName.LOCALHOST, ClientName.lookup(down, InetAddress.ofLiteral("127.0.0.1"), log));
        assertEquals(ClientName.LOCALHOST, ClientName.lookup(down, InetAddress.ofLiteral("::1"), log));
        assertEquals(ClientName.UNKNOWN, ClientName.lookup(dns, InetAddress.ofLiteral("127.0.0.2"), log));
    }
}
