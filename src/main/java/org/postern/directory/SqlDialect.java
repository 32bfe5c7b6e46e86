package org.postern.directory;

import java.sql.SQLException;
import java.util.Locale;

/** The three supported databases, chosen by JDBC URL. */
enum SqlDialect {
    SQLITE("sqlite"),
    MARIADB("mariadb"),
    POSTGRESQL("postgresql");

    private final String resourceDir;

    SqlDialect(String resourceDir) {
        this.resourceDir = resourceDir;
    }

    /** Directory of this dialect's migrations under {@code db/}. */
    String resourceDir() {
        return resourceDir;
    }

    static SqlDialect of(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) {
            return MARIADB;
        }
        if (u.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("unsupported directory URL '" + url
                + "' (use jdbc:sqlite:FILE, jdbc:mariadb://HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB)");
    }

    /**
     * Whether an SQL error says the database user lacks a privilege (a SELECT-only user
     * writing): SQLState 42000 / 42501 (ER_TABLEACCESS_DENIED_ERROR 1142 and kin in
     * MariaDB, insufficient_privilege in PostgreSQL), a read-only server, or SQLite's SQLITE_READONLY (8).
     */
    boolean isPermissionDenied(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                int code = s.getErrorCode();
                switch (this) {
                    case MARIADB -> {
                        // 1142 table, 1143 column, 1044 database access denied; 1227 missing
                        // privilege; 1290 server runs with --read-only.
                        if (code == 1142 || code == 1143 || code == 1044 || code == 1227 || code == 1290
                                || "42000".equals(state) && String.valueOf(s.getMessage()).contains("denied")) {
                            return true;
                        }
                    }
                    case POSTGRESQL -> {
                        // insufficient_privilege; read_only_sql_transaction (a hot standby)
                        if ("42501".equals(state) || "25006".equals(state)) {
                            return true;
                        }
                    }
                    case SQLITE -> {
                        if ((code & 0xff) == 8) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** Whether an SQL error is a unique-constraint violation (a concurrent duplicate insert). */
    boolean isDuplicate(SQLException e) {
        String state = e.getSQLState();
        return switch (this) {
            case MARIADB -> e.getErrorCode() == 1062;
            case POSTGRESQL -> "23505".equals(state);
            case SQLITE -> (e.getErrorCode() & 0xff) == 19 && String.valueOf(e.getMessage()).contains("UNIQUE");
        };
    }
}
