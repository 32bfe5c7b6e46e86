package org.postern.directory;

import java.util.List;
import java.util.Optional;
import org.postern.core.Address;

/**
 * Lookups the mail system needs (the read side of the directory). Implemented over SQL; a
 * database outage raises {@link DirectoryUnavailableException} (callers answer 451 4.3.0),
 * never "user unknown".
 */
public interface Directory extends AutoCloseable {

    /** Is this (ASCII, lower-case) domain one of ours (virtual_mailbox_domains)? */
    boolean isLocalDomain(String domain);

    /**
     * Resolves an address through aliases (recursively, with loop detection), catch-all
     * {@code @domain}, the recipient delimiter and case folding, to final mailboxes.
     */
    Resolution resolve(Address address);

    /** A mailbox (virtual user) by address, after case folding; no alias expansion. */
    Optional<Mailbox> mailbox(Address address);

    /** The stored password hash of a login (an email address), for SASL later. */
    Optional<String> passwordHash(String login);

    @Override
    void close();

    /** A final mailbox: its address and optional quota in bytes (null: unlimited). */
    record Mailbox(Address address, Long quotaBytes) {
    }

    /**
     * The result of resolving an address.
     *
     * @param mailboxes local final mailboxes (existing virtual users)
     * @param forwards  non-local targets an alias points to (to be relayed)
     * @param reason    when nothing was found: why (for `postern lookup` and logs); else null
     * @param trace     the expansion steps, e.g. "sales@a -> bob@a" (for `postern lookup`)
     */
    record Resolution(List<Mailbox> mailboxes, List<Address> forwards, String reason, List<String> trace) {
        public Resolution {
            mailboxes = List.copyOf(mailboxes);
            forwards = List.copyOf(forwards);
            trace = List.copyOf(trace);
        }

        public boolean exists() {
            return !mailboxes.isEmpty() || !forwards.isEmpty();
        }

        public static Resolution notFound(String reason, List<String> trace) {
            return new Resolution(List.of(), List.of(), reason, trace);
        }
    }

    /** The directory cannot answer now (database down, pool exhausted): a temporary condition. */
    final class DirectoryUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DirectoryUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
