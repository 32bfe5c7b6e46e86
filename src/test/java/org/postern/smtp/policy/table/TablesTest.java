package org.postern.smtp.policy.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table files: the seed's files verbatim, then the format's corners. */
public class TablesTest {
    @TempDir
    Path dir;

    public static Path seed(String name) {
        try {
            return Path.of(TablesTest.class.getResource("/org/postern/smtp/policy/seed/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void seedPostscreenCidr() {
        Table t = Tables.open("cidr:" + seed("postscreen_access.cidr"), null);
        assertFalse(t.fixed());
        assertEquals("permit", t.find("127.0.0.1"));
        assertEquals("permit", t.find("127.255.1.2"));
        assertEquals("permit", t.find("::1"));
        assertEquals("permit", t.find("40.93.255.255")); // 40.92.0.0/15
        assertNull(t.find("40.94.0.1"));
        assertEquals("permit", t.find("52.99.1.1"));     // 52.96.0.0/14
        assertEquals("permit", t.find("2a01:111:f400::1")); // 2a01:110::/29
        assertNull(t.find("2a01:118::1"));
        assertNull(t.find("mail.example.org"));
        assertEquals(7, t.results().size());
    }

    @Test
    void seedClientWhitelistCidr() {
        Table t = Tables.open("cidr:" + seed("client_whitelist.cidr"), null);
        assertEquals("permit", t.find("127.0.0.9"));
        assertNull(t.find("203.0.113.55")); // commented out in the seed
        assertEquals(2, t.results().size());
    }

    @Test
    void seedClientChecksPcre() {
        Table t = Tables.open("pcre:" + seed("client_checks.pcre"), null);
        assertEquals("REJECT Generic PTR hostname", t.find("static.1.2.3.4.provider.example"));
        assertEquals("REJECT Generic PTR hostname", t.find("host-1.dsl.example.net"));
        assertEquals("REJECT Generic PTR hostname", t.find("BROADBAND.example.net".toLowerCase()));
        assertNull(t.find("mail.example.org"));
        assertNull(t.find("1.2.3.4"));
    }

    @Test
    void seedHeloChecksPcre() {
        Table t = Tables.open("pcre:" + seed("helo_checks.pcre"), null);
        assertEquals("501 5.5.2 Invalid HELO hostname (need FQDN)", t.find("myhost"));
        // /^(localhost|localdomain)$/i: Postfix's i flag toggles case-insensitivity OFF; "localhost" has no dot, so the first rule wins anyway
        assertEquals("501 5.5.2 Invalid HELO hostname (need FQDN)", t.find("localhost"));
        assertEquals("554 5.7.1 HELO must not be an IP literal", t.find("[192.0.2.1]"));
        assertEquals("554 5.7.1 HELO must not be an IP literal", t.find("192.0.2.1"));
        assertEquals("554 5.7.1 HELO uses private IP", t.find("10.1.2.host"));
        assertEquals("554 5.7.1 HELO uses private IP", t.find("172.20.x.y"));
        assertNull(t.find("172.32.x.y"));
        assertEquals("554 5.7.1 Invalid HELO TLD", t.find("pc.local"));
        assertEquals("554 5.7.1 Invalid HELO TLD", t.find("pc.lan"));
        assertEquals("554 5.7.1 Spoofed HELO (you are not me)", t.find("mail.example.nl"));
        assertEquals("554 5.7.1 Spoofed HELO (you are not me)", t.find("example2.nl"));
        assertNull(t.find("mail.example.org"));
        assertEquals(9, t.results().size());
    }

    @Test
    void caseFlagTogglesLikePostfix() {
        PatternTable t = PatternTable.parse("pcre:t", PatternTable.Kind.PCRE, "t", "/^abc$/ insensitive\n/^DEF$/i sensitive\n");
        assertEquals("insensitive", t.find("ABC"));
        assertEquals("sensitive", t.find("DEF"));
        assertNull(t.find("def"));
    }

    @Test
    void ifEndifNegationAndSubstitution() {
        String text = """
                # comment
                if /\\.example\\.com$/
                !/^mail\\./ REJECT only mail.* hosts in $$example.com
                endif
                /^(\\w+)\\.(\\w+)\\.org$/ 550 5.7.1 host ${1} in $2
                /^multi/ PREPEND X-Note: first
                  continued
                """;
        PatternTable t = PatternTable.parse("pcre:t", PatternTable.Kind.PCRE, "t", text);
        assertEquals("REJECT only mail.* hosts in $example.com", t.find("web.example.com"));
        assertNull(t.find("mail.example.com"));
        assertEquals("550 5.7.1 host a in b", t.find("a.b.org"));
        assertEquals("PREPEND X-Note: first continued", t.find("multiline"));
    }

    @Test
    void posixRegexpClasses() {
        PatternTable t = PatternTable.parse("regexp:t", PatternTable.Kind.REGEXP, "t",
                "/^[[:digit:]]+[]x]$/ digits\n/^[^[:space:]\\]+$/ nospace\n/\\<word\\>/ word\n");
        assertEquals("digits", t.find("123]"));
        assertEquals("digits", t.find("123x"));
        assertEquals("nospace", t.find("ab"));
        assertNull(t.find("a\\b")); // a backslash inside POSIX brackets is literal
        assertEquals("word", t.find("a word here"));
        assertNull(t.find("a swordfish"));
    }

    @Test
    void cidrIfBlocksAndIpv6() {
        PatternTable t = PatternTable.parse("cidr:t", PatternTable.Kind.CIDR, "t",
                "if 192.0.2.0/24\n!192.0.2.1 REJECT not one\nendif\n[2001:db8::]/32 OK\n192.0.2.1 DUNNO\n");
        assertEquals("REJECT not one", t.find("192.0.2.7"));
        assertEquals("DUNNO", t.find("192.0.2.1"));
        assertEquals("OK", t.find("2001:db8:1::5"));
        assertNull(t.find("198.51.100.1"));
    }

    @Test
    void hashTableTextSource() throws IOException {
        Path p = write("access", "# access\nExample.COM   REJECT no\nuser@   OK\n\n.sub.example.net  DUNNO\n  # indented comment\n192.0.2  550 5.7.1 net\n");
        Table t = Tables.open("hash:" + p, null);
        assertTrue(t.fixed());
        assertEquals("REJECT no", t.find("example.com"));
        assertEquals("OK", t.find("user@"));
        assertEquals("DUNNO", t.find(".sub.example.net"));
        assertEquals("550 5.7.1 net", t.find("192.0.2"));
        // hash:/x.db is read from its source file /x
        Table viaDb = Tables.open("hash:" + p + ".db", null);
        assertEquals("OK", viaDb.find("USER@"));
    }

    @Test
    void errorsNameFileAndLine() throws IOException {
        Path bad = write("bad.pcre", "/ok/ OK\n\n/unclosed( REJECT\n");
        TableFileException e = assertThrows(TableFileException.class, () -> Tables.open("pcre:" + bad, null));
        assertTrue(e.getMessage().startsWith(bad + ", line 3:"), e.getMessage());

        Path regex = write("bad2.pcre", "/a(b/ REJECT\n");
        e = assertThrows(TableFileException.class, () -> Tables.open("pcre:" + regex, null));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("bad regular expression"), e.getMessage());

        Path cidr = write("bad.cidr", "192.0.2.1/24 OK\n");
        e = assertThrows(TableFileException.class, () -> Tables.open("cidr:" + cidr, null));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("non-null host address bits"), e.getMessage());

        Path noResult = write("nores.cidr", "192.0.2.0/24\n");
        e = assertThrows(TableFileException.class, () -> Tables.open("cidr:" + noResult, null));
        assertTrue(e.getMessage().contains("missing result"), e.getMessage());

        Path group = write("grp.pcre", "/(a)/ REJECT $2\n");
        e = assertThrows(TableFileException.class, () -> Tables.open("pcre:" + group, null));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());

        Path unbalanced = write("if.pcre", "if /a/\n/b/ OK\n");
        e = assertThrows(TableFileException.class, () -> Tables.open("pcre:" + unbalanced, null));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("ENDIF"), e.getMessage());

        e = assertThrows(TableFileException.class, () -> Tables.open("hash:" + dir.resolve("missing"), null));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        e = assertThrows(TableFileException.class, () -> Tables.open("mysql:/etc/postfix/x.cf", null));
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
        e = assertThrows(TableFileException.class, () -> Tables.open("nosuch:/x", null));
        assertTrue(e.getMessage().contains("unknown table type"), e.getMessage());
    }
}
