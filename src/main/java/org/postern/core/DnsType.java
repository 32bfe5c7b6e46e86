package org.postern.core;

import java.util.List;

/**
 * A DNS record type together with the Java type of its values, so that
 * {@code dns.lookup(name, DnsType.TXT)} is a {@code DnsAnswer<DnsRecord.Txt>}. A closed set:
 * add a constant (and its conversion in the resolver) when a feature needs another type.
 */
public final class DnsType<T extends DnsRecord> {
    public static final DnsType<DnsRecord.Address> A = new DnsType<>("A", 1, DnsRecord.Address.class);
    public static final DnsType<DnsRecord.Host> NS = new DnsType<>("NS", 2, DnsRecord.Host.class);
    public static final DnsType<DnsRecord.Host> CNAME = new DnsType<>("CNAME", 5, DnsRecord.Host.class);
    public static final DnsType<DnsRecord.Host> PTR = new DnsType<>("PTR", 12, DnsRecord.Host.class);
    public static final DnsType<DnsResolver.MxRecord> MX = new DnsType<>("MX", 15, DnsResolver.MxRecord.class);
    public static final DnsType<DnsRecord.Txt> TXT = new DnsType<>("TXT", 16, DnsRecord.Txt.class);
    public static final DnsType<DnsRecord.Address> AAAA = new DnsType<>("AAAA", 28, DnsRecord.Address.class);
    public static final DnsType<DnsRecord.Srv> SRV = new DnsType<>("SRV", 33, DnsRecord.Srv.class);
    public static final DnsType<DnsRecord.Tlsa> TLSA = new DnsType<>("TLSA", 52, DnsRecord.Tlsa.class);

    private static final List<DnsType<?>> ALL = List.of(A, NS, CNAME, PTR, MX, TXT, AAAA, SRV, TLSA);

    private final String name;
    private final int code;
    private final Class<T> recordClass;

    private DnsType(String name, int code, Class<T> recordClass) {
        this.name = name;
        this.code = code;
        this.recordClass = recordClass;
    }

    /** The mnemonic, "TXT". */
    public String name() {
        return name;
    }

    /** The RR type number on the wire (IANA registry), 16 for TXT. */
    public int code() {
        return code;
    }

    public Class<T> recordClass() {
        return recordClass;
    }

    public static List<DnsType<?>> all() {
        return ALL;
    }

    @Override
    public String toString() {
        return name;
    }
}
