package org.postern.smtp.policy.table;

import java.nio.file.Path;
import java.util.Locale;

/** Opens a table named the Postfix way, {@code type:/path}. */
public final class Tables {
    private Tables() {
    }

    /**
     * Opens {@code spec} ("pcre:/etc/postfix/helo_checks.pcre"); relative paths resolve against
     * {@code baseDir}. The indexed types (hash, btree, lmdb, dbm, cdb, texthash) read the text
     * source file the administrator wrote, e.g. {@code /etc/postfix/access} for
     * {@code hash:/etc/postfix/access}: Postern needs no postmap step.
     *
     * @throws TableFileException for an unknown type, a missing file, or a syntax error (file and line)
     */
    public static Table open(String spec, Path baseDir) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new TableFileException("bad table name \"" + spec + "\": need type:/path, e.g. cidr:/etc/postfix/clients.cidr");
        }
        String type = spec.substring(0, colon).toLowerCase(Locale.ROOT);
        String path = spec.substring(colon + 1);
        Path file = baseDir == null ? Path.of(path) : baseDir.resolve(path).normalize();
        return switch (type) {
            case "hash", "btree", "lmdb", "dbm", "cdb", "texthash" -> {
                Path src = file;
                String fn = file.getFileName().toString();
                if (!java.nio.file.Files.exists(src) && (fn.endsWith(".db") || fn.endsWith(".lmdb") || fn.endsWith(".cdb"))) {
                    src = file.resolveSibling(fn.substring(0, fn.lastIndexOf('.')));
                }
                yield HashTable.load(spec, src);
            }
            case "cidr" -> PatternTable.load(spec, PatternTable.Kind.CIDR, file);
            case "pcre" -> PatternTable.load(spec, PatternTable.Kind.PCRE, file);
            case "regexp" -> PatternTable.load(spec, PatternTable.Kind.REGEXP, file);
            case "mysql", "pgsql", "sqlite", "ldap", "proxy", "memcache", "socketmap", "tcp" -> throw new TableFileException(
                    "table type \"" + type + "\" in \"" + spec + "\" is not supported here: use a text table (hash, cidr, pcre, regexp); "
                            + "mailbox, alias and domain lookups come from Postern's directory");
            default -> throw new TableFileException("unknown table type \"" + type + "\" in \"" + spec
                    + "\" (supported: hash, texthash, lmdb, btree, cidr, pcre, regexp)");
        };
    }
}
