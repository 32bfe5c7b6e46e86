package org.postern.net;

/**
 * Why a connection ended (DESIGN §4.6: typed close causes, each logged at its level). Protocol
 * handlers return one from {@link ConnectionHandler#handle}; the listener logs it with the
 * connection id, at the cause's level.
 */
public enum CloseCause {
    /** The client said goodbye (QUIT, LOGOUT). */
    CLIENT_QUIT(Level.DEBUG),
    /** The client closed the connection without saying goodbye ("lost connection after ..."). */
    EOF(Level.INFO),
    /** No input within the idle/command timeout. */
    TIMEOUT(Level.INFO),
    /** The TLS handshake or the TLS layer failed. */
    TLS_FAILURE(Level.INFO),
    /** Refused by a connection limit (total, per-IP count or rate). */
    LIMIT(Level.WARN),
    /** We hung up on a misbehaving client (too many errors, a protocol violation). */
    PROTOCOL(Level.INFO),
    /** The policy refused the client at connect time. */
    REJECTED(Level.INFO),
    /** The server is stopping. */
    SHUTDOWN(Level.DEBUG),
    /** A network error other than EOF (reset by peer, broken pipe). */
    IO_ERROR(Level.INFO),
    /** A bug: an unexpected exception in the handler (logged with its stack trace). */
    INTERNAL_ERROR(Level.ERROR);

    /** Log level of the close line. */
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private final Level level;

    CloseCause(Level level) {
        this.level = level;
    }

    public Level level() {
        return level;
    }
}
