package org.postern.directory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A lookup query written like a Postfix {@code mysql:} map or a Dovecot {@code password_query},
 * compiled to a PreparedStatement: each placeholder becomes a {@code ?} parameter, so a lookup
 * key is never concatenated into SQL. Single quotes directly around a placeholder
 * ({@code '%s'}, as the seed writes them) are dropped with it.
 *
 * <p>Postfix style ({@code mysql_table(5)}): {@code %s} the whole key, {@code %u} the local
 * part, {@code %d} the domain, {@code %%} a literal percent. Dovecot style: {@code %u} or
 * {@code %{user}} the whole login, {@code %n} or {@code %{username}} the local part, {@code %d}
 * or {@code %{domain}} the domain.
 */
final class MapQuery {
    /** Which placeholder convention the query follows. */
    enum Style { POSTFIX, DOVECOT }

    private enum Part { FULL, LOCAL, DOMAIN }

    private final String name;
    private final String sql;
    private final List<Part> params;

    private MapQuery(String name, String sql, List<Part> params) {
        this.name = name;
        this.sql = sql;
        this.params = List.copyOf(params);
    }

    /**
     * Compiles a query template; throws IllegalArgumentException naming the setting for an
     * unknown placeholder.
     */
    static MapQuery compile(String name, String template, Style style) {
        StringBuilder out = new StringBuilder();
        List<Part> params = new ArrayList<>();
        int i = 0;
        int n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            boolean quoted = c == '\'' && i + 1 < n && template.charAt(i + 1) == '%';
            int p = quoted ? i + 1 : i;
            if (template.charAt(p) != '%') {
                out.append(c);
                i++;
                continue;
            }
            if (p + 1 >= n) {
                throw new IllegalArgumentException(prefix(name) + "'%' at the end of the query");
            }
            char k = template.charAt(p + 1);
            int end = p + 2;
            Part part;
            if (k == '%') {
                if (quoted) {
                    out.append('\'');
                }
                out.append('%');
                i = end;
                continue;
            } else if (k == '{' && style == Style.DOVECOT) {
                int close = template.indexOf('}', p);
                if (close < 0) {
                    throw new IllegalArgumentException(prefix(name) + "unterminated %{ in the query");
                }
                String var = template.substring(p + 2, close);
                part = switch (var) {
                    case "user" -> Part.FULL;
                    case "username" -> Part.LOCAL;
                    case "domain" -> Part.DOMAIN;
                    default -> throw new IllegalArgumentException(prefix(name) + "unknown variable %{" + var + "} (use %{user}, %{username} or %{domain})");
                };
                end = close + 1;
            } else {
                part = switch (style) {
                    case POSTFIX -> switch (k) {
                        case 's' -> Part.FULL;
                        case 'u' -> Part.LOCAL;
                        case 'd' -> Part.DOMAIN;
                        default -> throw new IllegalArgumentException(prefix(name) + "unknown placeholder %" + k + " (use %s, %u, %d or %%)");
                    };
                    case DOVECOT -> switch (k) {
                        case 'u' -> Part.FULL;
                        case 'n' -> Part.LOCAL;
                        case 'd' -> Part.DOMAIN;
                        default -> throw new IllegalArgumentException(prefix(name) + "unknown variable %" + k + " (use %u, %n, %d or %%)");
                    };
                };
            }
            if (quoted) {
                if (end >= n || template.charAt(end) != '\'') {
                    throw new IllegalArgumentException(prefix(name) + "unbalanced quote around a placeholder");
                }
                end++;
            }
            out.append('?');
            params.add(part);
            i = end;
        }
        return new MapQuery(name, out.toString(), params);
    }

    private static String prefix(String name) {
        return name == null ? "" : name + ": ";
    }

    /** Prepares the statement with the parameters taken from {@code key} ("local@domain", "@domain" or a bare domain). */
    PreparedStatement prepare(Connection c, String key) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        int at = key.lastIndexOf('@');
        String local = at < 0 ? "" : key.substring(0, at);
        String domain = at < 0 ? key : key.substring(at + 1);
        for (int i = 0; i < params.size(); i++) {
            ps.setString(i + 1, switch (params.get(i)) {
                case FULL -> key;
                case LOCAL -> local;
                case DOMAIN -> domain;
            });
        }
        return ps;
    }

    String name() {
        return name;
    }

    /** The SQL as sent to the database (placeholders as '?'). */
    String sql() {
        return sql;
    }

    int parameterCount() {
        return params.size();
    }
}
