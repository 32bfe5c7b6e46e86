package org.postern.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Domain normalisation (RFC 5321 syntax, IDNA A-labels) and the Unicode form kept beside it. */
class AddressTest {
    @ParameterizedTest
    @CsvSource({
            "Example.ORG,            example.org",
            "example.org.,           example.org",
            "mail-1.example_x.org,   mail-1.example_x.org",
            "Bücher.example,         xn--bcher-kva.example",
            "XN--BCHER-KVA.example,  xn--bcher-kva.example",
            "例え.テスト,               xn--r8jz45g.xn--zckzah",
    })
    void domainsNormalise(String in, String ascii) {
        assertEquals(ascii, Address.normaliseDomain(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "a..b", "-a.example", "a-.example", "a b.example", "a!.example", "a/b.example"})
    void badDomainsAreRefused(String in) {
        assertThrows(Address.InvalidAddressException.class, () -> Address.normaliseDomain(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.example", "a.b.example"})
    void labelOver63IsRefusedAsciiOrNot(String base) {
        String label = "x".repeat(64);
        assertThrows(Address.InvalidAddressException.class, () -> Address.normaliseDomain(label + "." + base));
        assertThrows(Address.InvalidAddressException.class, () -> Address.normaliseDomain("ü" + label + "." + base));
    }

    @ParameterizedTest
    @CsvSource({
            "Bob@Example.org,            example.org,            example.org",
            "bob@xn--bcher-kva.example,  xn--bcher-kva.example,  bücher.example",
            "bob@Bücher.example,         xn--bcher-kva.example,  bücher.example",
            "bob@mail.xn--bcher-kva.example, mail.xn--bcher-kva.example, mail.bücher.example",
    })
    void addressesKeepBothDomainForms(String in, String ascii, String unicode) {
        Address a = Address.parse(in);
        assertEquals(ascii, a.domain());
        assertEquals(unicode, a.unicodeDomain());
    }
}
