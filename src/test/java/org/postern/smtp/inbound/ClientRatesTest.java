package org.postern.smtp.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientRatesTest {
    @Test
    void fixedWindowPerAddressAndKind() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        ClientRates r = new ClientRates(2, 1, Duration.ofSeconds(60), ip -> false, now::get);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertEquals(0, r.message(a));
        assertEquals(0, r.message(a));
        assertEquals(3, r.message(a), "the third in the window is over the limit of 2");
        assertEquals(0, r.message(b), "another client has its own count");
        assertEquals(0, r.recipient(a));
        assertEquals(2, r.recipient(a));
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertEquals(0, r.message(a), "a new window");
        assertEquals(0, r.recipient(a));
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        ClientRates r = new ClientRates(0, 0, Duration.ofSeconds(60), ip -> false);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, r.message(a));
            assertEquals(0, r.recipient(a));
        }
    }
}
