package org.postern.smtp.policy.table;

import java.util.List;

/**
 * A Postfix-style lookup table read from its text file ({@code hash:}, {@code cidr:}, {@code pcre:},
 * {@code regexp:}...). Lookups never do I/O; the file is read once when the table is opened.
 */
public interface Table {

    /** The table as named in the configuration, e.g. {@code pcre:/etc/postfix/helo_checks.pcre}. */
    String name();

    /**
     * True for tables of fixed strings (hash, texthash, lmdb): Postfix queries those with partial
     * keys too (parent domains, {@code user@}, network prefixes). Pattern tables (cidr, pcre, regexp)
     * only see the full key.
     */
    boolean fixed();

    /** The result for a key, or null when nothing matches. Pattern tables substitute $1... in the result. */
    String find(String key);

    /** Every result text with its line, for validating actions when the configuration loads. */
    List<Result> results();

    record Result(int line, String text) {
    }
}
