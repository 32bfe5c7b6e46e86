package org.postern.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.core.DnsAnswer;
import org.postern.core.DnsRecord;
import org.postern.core.DnsResolver;
import org.postern.core.DnsType;
import org.postern.core.DnsResolver.DnsTemporaryException;
import org.postern.core.DnsResolver.MxRecord;
import org.postern.testkit.Dnsmasq;

/** The resolver against a real dnsmasq on loopback, and a silent server for timeouts. */
class DnsjavaResolverTest {
    private static Dnsmasq dns;

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start(List.of(
                "--local=/test/", "--local=/127.in-addr.arpa/",
                "--host-record=mx.example.test,127.0.0.5",
                "--host-record=v6.example.test,::5",
                "--mx-host=example.test,mx.example.test,10",
                "--mx-host=example.test,mx2.example.test,5",
                "--local-ttl=60",
                "--txt-record=example.test,v=spf1 ip4:127.0.0.1 -all",
                "--txt-record=long.example.test,part one ,part two",
                "--txt-record=big.example.test," + "a".repeat(250) + "," + "b".repeat(250) + "," + "c".repeat(250) + "," + "d".repeat(250),
                "--host-record=xn--bcher-kva.example.test,127.0.0.8",
                "--address=/2.0.0.127.zen.test/127.0.0.2",
                "--txt-record=2.0.0.127.zen.test,listed",
                "--ptr-record=9.0.0.127.in-addr.arpa,host9.example.test",
                // TLSA 3 1 1 <4 bytes> for _25._tcp.mx.example.test (RFC 6698 §2.1), as raw RDATA
                "--dns-rr=_25._tcp.mx.example.test,52,030101deadbeef"));
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
    }

    private static DnsjavaResolver resolver(String... servers) {
        return new DnsjavaResolver(DnsjavaResolver.parseServers(List.of(servers)), Duration.ofMillis(400), 1, 100,
                Duration.ofMinutes(5), null);
    }

    @Test
    void forwardReverseMxTxt() throws Exception {
        DnsjavaResolver r = resolver(dns.server());
        assertEquals(List.of(InetAddress.getByName("127.0.0.5")), r.addresses("MX.example.test."));
        assertEquals(List.of(InetAddress.getByName("::5")), r.addresses("v6.example.test"));
        assertEquals(List.of(new MxRecord(5, "mx2.example.test"), new MxRecord(10, "mx.example.test")), r.mx("example.test"));
        assertEquals(List.of("v=spf1 ip4:127.0.0.1 -all"), r.txt("example.test"));
        assertEquals(List.of("part one part two"), r.txt("long.example.test"));
        assertEquals(List.of("a".repeat(250) + "b".repeat(250) + "c".repeat(250) + "d".repeat(250)), r.txt("big.example.test"));
        assertEquals(List.of(InetAddress.getByName("127.0.0.8")), r.addresses("bücher.example.test"));
        assertEquals(List.of("127.0.0.2"), r.a("2.0.0.127.zen.test"));
        assertEquals(List.of("listed"), r.txt("2.0.0.127.zen.test"));
        assertEquals(List.of("host9.example.test"), r.ptr(InetAddress.getByName("127.0.0.9")));
        assertEquals(List.of("mx.example.test"), r.ptr(InetAddress.getByName("127.0.0.5")));
    }

    @Test
    void nxdomainAndNodataAreEmpty() throws Exception {
        DnsjavaResolver r = resolver(dns.server());
        assertEquals(List.of(), r.a("3.0.0.127.zen.test"));
        assertEquals(List.of(), r.addresses("nothing.example.test"));
        assertEquals(List.of(), r.mx("mx.example.test")); // name exists, no MX: NODATA
        assertEquals(List.of(), r.txt("mx.example.test"));
        assertEquals(List.of(), r.ptr(InetAddress.getByName("127.0.0.77")));
    }

    @Test
    void typedAnswersCarryRcodeAndTtl() {
        DnsjavaResolver r = resolver(dns.server());
        DnsAnswer<DnsRecord.Tlsa> tlsa = r.lookup("_25._tcp.mx.example.test", DnsType.TLSA);
        assertEquals(List.of(new DnsRecord.Tlsa(3, 1, 1, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef})), tlsa.records());
        assertEquals(DnsAnswer.Rcode.NOERROR, tlsa.rcode());
        assertFalse(tlsa.authenticated(), "dnsmasq's local data is not DNSSEC-validated");
        DnsAnswer<DnsRecord.Txt> txt = r.lookup("example.test", DnsType.TXT);
        assertEquals("v=spf1 ip4:127.0.0.1 -all", txt.records().getFirst().text());
        assertTrue(txt.ttlSeconds() > 0 && txt.ttlSeconds() <= 60, "TTL " + txt.ttlSeconds());
        DnsAnswer<DnsRecord.Address> nx = r.lookup("nothing.example.test", DnsType.A);
        assertTrue(nx.nxdomain() && nx.isEmpty());
        DnsAnswer<DnsResolver.MxRecord> nodata = r.lookup("mx.example.test", DnsType.MX);
        assertTrue(nodata.nodata() && !nodata.nxdomain());
    }

    @Test
    void cacheExpiresOnTheInjectedClock() {
        long[] now = {1_000_000};
        InstantSource clock = () -> Instant.ofEpochMilli(now[0]);
        DnsjavaResolver r = new DnsjavaResolver(DnsjavaResolver.parseServers(List.of(dns.server())), Duration.ofMillis(400), 1, 100,
                Duration.ofMinutes(5), null, true, clock);
        r.lookup("example.test", DnsType.MX);
        long sent = r.queriesSent();
        now[0] += 30_000;
        DnsAnswer<DnsResolver.MxRecord> hit = r.lookup("example.test", DnsType.MX);
        assertEquals(sent, r.queriesSent(), "a hit within the TTL");
        assertTrue(hit.ttlSeconds() <= 30, "the TTL counts down: " + hit.ttlSeconds());
        now[0] += 31_000;
        r.lookup("example.test", DnsType.MX);
        assertEquals(sent + 1, r.queriesSent(), "expired after the 60 s TTL");
    }

    @Test
    void answersAreCached() {
        DnsjavaResolver r = resolver(dns.server());
        r.mx("example.test");
        r.a("4.0.0.127.zen.test");
        long sent = r.queriesSent();
        r.mx("example.test");
        r.a("4.0.0.127.zen.test");
        assertEquals(sent, r.queriesSent(), "positive and negative answers come from the cache");
    }

    @Test
    void silentServerIsTemporaryFailure() throws Exception {
        try (Dnsmasq.Silent silent = new Dnsmasq.Silent()) {
            DnsjavaResolver r = resolver(silent.server());
            long t0 = System.nanoTime();
            assertThrows(DnsTemporaryException.class, () -> r.a("2.0.0.127.zen.test"));
            assertThrows(DnsTemporaryException.class, () -> r.mx("example.test"));
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
            // a failure is not cached: the next query asks again
            long sent = r.queriesSent();
            assertThrows(DnsTemporaryException.class, () -> r.txt("example.test"));
            assertTrue(r.queriesSent() > sent);
        }
    }

    @Test
    void refusedIsTemporaryFailure() {
        // dnsmasq without upstream servers refuses names outside its local zones: an answer that is not an answer
        DnsjavaResolver r = resolver(dns.server());
        assertThrows(DnsTemporaryException.class, () -> r.mx("example.invalid"));
    }

    @Test
    void secondServerAnswersWhenFirstIsDead() throws Exception {
        try (Dnsmasq.Silent silent = new Dnsmasq.Silent()) {
            DnsjavaResolver r = resolver(silent.server(), dns.server());
            assertEquals(List.of("127.0.0.2"), r.a("2.0.0.127.zen.test"));
        }
    }

    @Test
    void loopbackFromHostsFileWithoutDns() throws Exception {
        Path hosts = Files.createTempFile("hosts", "");
        try {
            Files.writeString(hosts, "# comment\n127.0.0.1 localhost\n127.0.1.1 myhost.example myhost\n192.0.2.1 remote.example\n::1 ip6-localhost\n");
            try (Dnsmasq.Silent silent = new Dnsmasq.Silent()) {
                DnsjavaResolver r = new DnsjavaResolver(DnsjavaResolver.parseServers(List.of(silent.server())), Duration.ofMillis(200), 1, 10,
                        Duration.ofMinutes(1), hosts);
                assertEquals(List.of("localhost"), r.ptr(InetAddress.getByName("127.0.0.1")));
                assertEquals(List.of(InetAddress.getByName("127.0.0.1")), r.addresses("localhost"));
                assertEquals(List.of(InetAddress.getByName("127.0.1.1")), r.addresses("MyHost"));
                assertEquals(List.of("myhost.example", "myhost"), r.ptr(InetAddress.getByName("127.0.1.1")));
                assertEquals(List.of("ip6-localhost"), r.ptr(InetAddress.getByName("::1")));
                // non-loopback entries are not taken from the file
                assertThrows(DnsTemporaryException.class, () -> r.addresses("remote.example"));
            }
        } finally {
            Files.deleteIfExists(hosts);
        }
    }

    @Test
    void serverSpecs() throws Exception {
        assertEquals(List.of(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353),
                        new java.net.InetSocketAddress(InetAddress.getByName("::1"), 53),
                        new java.net.InetSocketAddress(InetAddress.getByName("::1"), 5300)),
                DnsjavaResolver.parseServers(List.of("127.0.0.1:5353", "::1", "[::1]:5300")));
        assertThrows(IllegalArgumentException.class, () -> DnsjavaResolver.parseServers(List.of("127.0.0.1:99999")));
    }
}
