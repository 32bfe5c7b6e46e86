package org.postern.directory.password;

/** A stored hash that does not parse for its scheme. The message never contains the hash itself. */
final class MalformedHashException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MalformedHashException(String message) {
        super(message);
    }
}
