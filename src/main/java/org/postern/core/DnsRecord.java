package org.postern.core;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The typed record values a {@link DnsResolver} answers with, one per {@link DnsType}. Names are
 * lower case without the trailing dot ("" is the root, as in a null MX).
 */
public sealed interface DnsRecord permits DnsRecord.Address, DnsRecord.Host, DnsRecord.Txt, DnsRecord.Tlsa, DnsRecord.Srv,
        DnsResolver.MxRecord {

    /** An A or AAAA record. */
    record Address(InetAddress address) implements DnsRecord {
        public Address {
            Objects.requireNonNull(address, "address");
        }

        /** The address as text ("127.0.0.2"), the form DNSBL answers are compared in. */
        public String text() {
            return address.getHostAddress();
        }
    }

    /** A name-valued record: PTR, NS or CNAME target. */
    record Host(String name) implements DnsRecord {
        public Host {
            name = name.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A TXT record: its character-strings as received (RFC 1035 §3.3.14). SPF (RFC 7208 §3.3) and DKIM
     * (RFC 6376 §3.6.2.2) read the concatenation, {@link #text()}.
     */
    record Txt(List<String> strings) implements DnsRecord {
        public Txt {
            strings = List.copyOf(strings);
        }

        public String text() {
            return String.join("", strings);
        }
    }

    /** A TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type and the association data. */
    record Tlsa(int usage, int selector, int matchingType, byte[] data) implements DnsRecord {
        public Tlsa {
            if (usage < 0 || usage > 255 || selector < 0 || selector > 255 || matchingType < 0 || matchingType > 255) {
                throw new IllegalArgumentException("TLSA fields are octets");
            }
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tlsa t && t.usage == usage && t.selector == selector && t.matchingType == matchingType
                    && Arrays.equals(t.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(usage, selector, matchingType, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
        }
    }

    /** An SRV record (RFC 2782), e.g. for autodiscovery (RFC 6186). */
    record Srv(int priority, int weight, int port, String target) implements DnsRecord {
        public Srv {
            target = target.toLowerCase(Locale.ROOT);
        }
    }
}
