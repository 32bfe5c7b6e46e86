package org.postern.server.cli;

/** How the user runs us, for the commands our messages suggest. */
public final class Invocation {
    private Invocation() {
    }

    /**
     * The command as the user typed it: the launcher passes its own name ({@code ./postern},
     * {@code /opt/postern/postern}) in {@code POSTERN_CMD}; "postern" otherwise, or when that name
     * would need quoting.
     */
    public static String command() {
        String launcher = System.getenv("POSTERN_CMD");
        return launcher == null || launcher.isBlank() || launcher.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)
                ? "postern" : launcher;
    }
}
