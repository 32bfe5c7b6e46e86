package org.postern.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command (a real client such as swaks, curl, python3) and collects its output. */
public final class Cmd {
    private Cmd() {
    }

    /** Exit code and combined stdout+stderr. */
    public record Result(int exit, String output) {
    }

    public static Result run(Duration timeout, List<String> cmd) {
        return run(timeout, null, cmd);
    }

    public static Result run(Duration timeout, String stdin, List<String> cmd) {
        try {
            Path out = Files.createTempFile("cmd-", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", cmd)
                            + "\n" + Files.readString(out, StandardCharsets.ISO_8859_1));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
