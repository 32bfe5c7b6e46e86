package org.postern.directory;

import java.util.List;
import org.postern.core.Address;

/**
 * The write side of the directory, for {@code postern domain|user|alias} and later the admin
 * API (like the seed's {@code mailctl}). Failures a user can fix raise {@link AdminException}
 * with a one-line message; a database outage raises
 * {@link Directory.DirectoryUnavailableException}. Writes invalidate the lookup cache.
 */
public interface DirectoryAdmin {

    /** A domain with the number of users and aliases in it. */
    record DomainEntry(String name, int users, int aliases) {
    }

    /** A user (virtual mailbox); quota null = unlimited. */
    record UserEntry(Address address, Long quotaBytes, boolean enabled) {
    }

    /** An alias: its source ({@code user@domain} or catch-all {@code @domain}) and targets. */
    record AliasEntry(String source, List<String> targets) {
        public AliasEntry {
            targets = List.copyOf(targets);
        }
    }

    /** What a domain removal removed with it. */
    record Removal(int users, int aliases) {
    }

    /** Adds a local domain (IDN allowed; stored in ASCII form). */
    void addDomain(String domain);

    List<DomainEntry> domains();

    /** Removes a domain; refused while it has users or aliases unless {@code force}. */
    Removal removeDomain(String domain, boolean force);

    /** Adds a user with an already-hashed password ({@code {SCHEME}hash}); quota null = unlimited. */
    void addUser(Address address, String passwordHash, Long quotaBytes);

    /** Users of one domain, or of all domains when {@code domain} is null. */
    List<UserEntry> users(String domain);

    void removeUser(Address address);

    void setPasswordHash(Address address, String passwordHash);

    /**
     * Disables (no mail accepted, no login) or re-enables a user without removing it; needs
     * Postern's own schema (the seed schema has no such column).
     */
    void setEnabled(Address address, boolean enabled);

    /**
     * Adds an alias: {@code source} is {@code user@domain} or {@code @domain} (catch-all) in a
     * local domain; targets are addresses (local or remote).
     */
    void addAlias(String source, List<String> targets);

    /** Aliases of one domain, or of all when {@code domain} is null. */
    List<AliasEntry> aliases(String domain);

    void removeAlias(String source);

    /** A refused admin operation; the message is one line, fit for the CLI. */
    final class AdminException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Why it was refused. */
        public enum Kind { INVALID, UNKNOWN_DOMAIN, NOT_FOUND, DUPLICATE, NOT_EMPTY, READ_ONLY }

        private final Kind kind;

        public AdminException(Kind kind, String message) {
            this(kind, message, null);
        }

        public AdminException(Kind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
