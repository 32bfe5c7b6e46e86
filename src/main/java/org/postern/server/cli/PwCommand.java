package org.postern.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.postern.core.config.Config;
import org.postern.directory.DirectorySettings;
import org.postern.directory.password.Passwords;
import org.postern.server.config.AllSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code postern pw [-s SCHEME] [-t HASH] [-p PASSWORD] [-l]}, like {@code doveadm pw}: prints a
 * "{SCHEME}hash" of the password, or with {@code -t} checks a stored hash ("(verified)", exit 1 on a
 * mismatch). The password is read from standard input when that is not a terminal (its first line),
 * otherwise prompted for (twice when hashing); {@code -p} puts it on the command line only when asked.
 */
@Command(name = "pw", description = "Hash a password (like doveadm pw), or verify one against a stored hash with -t.")
public final class PwCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "-s", paramLabel = "SCHEME",
            description = "password scheme (default: directory.pass_scheme, ARGON2ID); with -t: the scheme of a hash without {SCHEME} prefix")
    String scheme;

    @Option(names = "-t", paramLabel = "HASH", description = "verify the password against this stored hash instead of hashing it")
    String test;

    @Option(names = "-p", paramLabel = "PASSWORD",
            description = "the password itself (visible to other local users in the process list: prefer standard input)")
    char[] password;

    @Option(names = "-l", description = "list the supported schemes (those that can hash first)")
    boolean list;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            out.println(String.join(" ", Passwords.hashableSchemes()));
            out.println("verify only: " + String.join(" ", Passwords.schemes().stream()
                    .filter(s -> !Passwords.hashableSchemes().contains(s)).toList()));
            out.flush();
            return 0;
        }
        Config c = settings();
        char[] pw = password != null ? password : readPassword(test == null);
        try {
            if (pw.length == 0) {
                throw new CliException("empty password");
            }
            if (test != null) {
                String defaultScheme = scheme != null ? scheme : c.get(DirectorySettings.DEFAULT_PASS_SCHEME);
                if (!Passwords.verify(test, pw, defaultScheme)) {
                    throw new CliException("password mismatch");
                }
                out.println(test + " (verified)");
            } else {
                String s = scheme != null ? scheme : c.get(DirectorySettings.PASS_SCHEME);
                try {
                    out.println(Passwords.hash(s, pw));
                } catch (IllegalArgumentException e) {
                    throw new CliException(e.getMessage());
                }
            }
            out.flush();
            return 0;
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    /** The configuration when there is one (its scheme settings); built-in defaults otherwise. */
    private Config settings() {
        if (config.explicit() || Files.exists(config.path())) {
            return config.load();
        }
        return Config.defaults(AllSettings.list());
    }

    private static char[] readPassword(boolean twice) {
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            char[] first = console.readPassword(twice ? "Enter new password: " : "Enter password to verify: ");
            if (first == null) {
                throw new CliException("no password given");
            }
            if (twice) {
                char[] again = console.readPassword("Retype new password: ");
                boolean same = again != null && Arrays.equals(first, again);
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
                if (!same) {
                    Arrays.fill(first, '\0');
                    throw new CliException("passwords don't match");
                }
            }
            return first;
        }
        return firstLine(System.in);
    }

    /** The first line of the stream (without its CR LF / LF), decoded as UTF-8. */
    static char[] firstLine(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (buf.size() >= 4096) {
                    throw new CliException("password longer than 4096 bytes");
                }
                buf.write(b);
            }
        } catch (IOException e) {
            throw new CliException("cannot read the password from standard input: " + e.getMessage());
        }
        byte[] bytes = buf.toByteArray();
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, n));
        char[] pw = new char[cb.remaining()];
        cb.get(pw);
        Arrays.fill(bytes, (byte) 0);
        if (cb.hasArray()) {
            Arrays.fill(cb.array(), '\0');
        }
        return pw;
    }
}
