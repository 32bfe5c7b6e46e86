package org.postern.net;

import java.io.IOException;

/**
 * The one small interface every protocol (SMTP, submission, LMTP, IMAP, POP3) implements
 * (DESIGN §4.7, after Helidon's ServerConnection). TLS, PROXY protocol and limits are handled by
 * the {@link Listener} before {@link #handle} is called.
 */
public interface ConnectionHandler {

    /**
     * Runs the protocol on one connection, on its own virtual thread, with a plain blocking read
     * loop. Returns why the conversation ended; the listener closes the connection afterwards.
     * An IOException is classified by the listener (timeout, EOF, reset).
     */
    CloseCause handle(Connection connection) throws IOException;

    /**
     * Tells a client it was refused by a connection limit, in the protocol's words (SMTP:
     * {@code 421 4.7.0 host Error: too many connections from IP}). Called instead of {@link #handle}.
     */
    void refuse(Connection connection, Refusal refusal) throws IOException;

    /** Why the listener refused a connection, and the count that exceeded the limit. */
    record Refusal(Kind kind, int count) {
        public enum Kind {
            /** Concurrent connections from one client IP (Postfix smtpd_client_connection_count_limit). */
            CONCURRENCY,
            /** Connections per time unit from one client IP (smtpd_client_connection_rate_limit). */
            RATE
        }
    }
}
