package org.postern.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MapQueryTest {
    @Test
    void seedQueriesBecomeParameters() {
        MapQuery q = MapQuery.compile("q", "SELECT destination FROM virtual_aliases WHERE source='%s'", MapQuery.Style.POSTFIX);
        assertEquals("SELECT destination FROM virtual_aliases WHERE source=?", q.sql());
        assertEquals(1, q.parameterCount());
        MapQuery p = MapQuery.compile("p", "SELECT email AS user, password FROM virtual_users WHERE email='%u'", MapQuery.Style.DOVECOT);
        assertEquals("SELECT email AS user, password FROM virtual_users WHERE email=?", p.sql());
    }

    @Test
    void partsPercentAndDovecotVariables() {
        MapQuery q = MapQuery.compile("q", "SELECT 1 FROM t WHERE l=%u AND d='%d' AND x LIKE 'a%%'", MapQuery.Style.POSTFIX);
        assertEquals("SELECT 1 FROM t WHERE l=? AND d=? AND x LIKE 'a%'", q.sql());
        assertEquals(2, q.parameterCount());
        MapQuery d = MapQuery.compile("d", "SELECT password FROM u WHERE n='%n' AND d='%{domain}' AND u=%{user}", MapQuery.Style.DOVECOT);
        assertEquals("SELECT password FROM u WHERE n=? AND d=? AND u=?", d.sql());
    }

    @Test
    void badPlaceholdersAreConfigurationErrors() {
        assertEquals("directory.alias_query: unknown placeholder %x (use %s, %u, %d or %%)",
                assertThrows(IllegalArgumentException.class,
                        () -> MapQuery.compile("directory.alias_query", "SELECT 1 WHERE a='%x'", MapQuery.Style.POSTFIX)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MapQuery.compile("q", "SELECT '%s", MapQuery.Style.POSTFIX));
        assertThrows(IllegalArgumentException.class, () -> MapQuery.compile("q", "SELECT %", MapQuery.Style.POSTFIX));
    }

    @Test
    void migrationScriptsSplitIntoStatements() {
        assertEquals(java.util.List.of("CREATE TABLE a (\nx INT)", "CREATE INDEX i ON a(x)"),
                Migrations.statements("-- comment\nCREATE TABLE a (\n  x INT);\n\nCREATE INDEX i ON a(x);\n"));
        assertEquals(1, Migrations.available(SqlDialect.MARIADB).size());
    }

    @Test
    void urlsAreRedacted() {
        assertEquals("jdbc:mariadb://h:1/db?user=u&password=***", SqlDirectory.redact("jdbc:mariadb://h:1/db?user=u&password=s3cret"));
        assertEquals("jdbc:postgresql://***@h/db", SqlDirectory.redact("jdbc:postgresql://u:p@h/db"));
    }
}
