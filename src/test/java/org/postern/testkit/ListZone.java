package org.postern.testkit;

import java.util.List;
import org.postern.core.DnsAnswer;
import org.postern.core.DnsRecord;
import org.postern.core.DnsResolver;
import org.postern.core.DnsType;

/**
 * For in-memory test zones written against the list methods of {@link DnsResolver}: answers
 * {@code lookup} from those methods (A, AAAA, MX, NS, TXT; an empty list is NODATA, TTL 0).
 */
public final class ListZone {
    private ListZone() {
    }

    public static <T extends DnsRecord> DnsAnswer<T> answer(DnsResolver zone, String name, DnsType<T> type) {
        List<? extends DnsRecord> records;
        if (type == DnsType.A || type == DnsType.AAAA) {
            Class<?> family = type == DnsType.A ? java.net.Inet4Address.class : java.net.Inet6Address.class;
            records = zone.addresses(name).stream().filter(family::isInstance).map(DnsRecord.Address::new).toList();
        } else if (type == DnsType.MX) {
            records = zone.mx(name);
        } else if (type == DnsType.NS) {
            records = zone.ns(name).stream().map(DnsRecord.Host::new).toList();
        } else if (type == DnsType.TXT) {
            records = zone.txt(name).stream().map(t -> new DnsRecord.Txt(List.of(t))).toList();
        } else {
            throw new UnsupportedOperationException("this in-memory zone has no " + type + " records");
        }
        return DnsAnswer.of(name, type, false, 0, records.stream().map(type.recordClass()::cast).toList());
    }
}
