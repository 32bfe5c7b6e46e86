package org.postern.smtp.policy.table;

/** A problem in a lookup table file; the message starts with "file, line N:" (or names the file). */
public final class TableFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TableFileException(String message) {
        super(message);
    }

    public TableFileException(String message, Throwable cause) {
        super(message, cause);
    }

    static TableFileException at(String file, int line, String problem) {
        return new TableFileException(file + ", line " + line + ": " + problem);
    }
}
