package org.postern.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.postern.core.config.Config;
import org.postern.core.config.ConfigError;
import org.postern.server.config.ConfigLoader;
import picocli.CommandLine.Option;

/**
 * The {@code --config FILE} option every command takes (mixin). Falls back to $POSTERN_CONFIG,
 * then {@code ./var/postern.toml}.
 */
public final class ConfigOption {
    public static final Path DEFAULT = Path.of("var", "postern.toml");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "configuration file (default: $POSTERN_CONFIG or ./var/postern.toml)")
    Path file;

    public Path path() {
        if (file != null) {
            return file;
        }
        String env = System.getenv("POSTERN_CONFIG");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return DEFAULT;
    }

    /** Whether the user named a file explicitly (option or environment). */
    public boolean explicit() {
        String env = System.getenv("POSTERN_CONFIG");
        return file != null || (env != null && !env.isBlank());
    }

    /**
     * Loads and validates the configuration, or throws a {@link CliException} with the
     * loader's precise message.
     */
    public Config load() {
        ConfigLoader.Loaded loaded = read();
        if (!loaded.errors().isEmpty()) {
            // the file does not load: name every problem, including those only the components find
            throw new CliException(String.join("\n", check(loaded).errors().stream().map(Object::toString).toList()));
        }
        return loaded.config();
    }

    /** A loaded configuration and every problem in it (empty when it is valid). */
    public record Checked(Config config, List<ConfigError> errors) {
    }

    /**
     * Loads the file and runs every check start-up makes, collecting all problems: the file's
     * own (syntax, unknown keys, bad values) and the components' (restrictions, tables, listener
     * addresses, certificates), in that order.
     */
    public Checked check() {
        return check(read());
    }

    private static Checked check(ConfigLoader.Loaded loaded) {
        List<ConfigError> all = new ArrayList<>(loaded.errors());
        for (ConfigError e : org.postern.server.Assembly.check(loaded.config())) {
            if (!all.contains(e)) {
                all.add(e);
            }
        }
        return new Checked(loaded.config(), List.copyOf(all));
    }

    private ConfigLoader.Loaded read() {
        Path p = path();
        if (!Files.exists(p)) {
            throw new CliException("configuration file " + p + " does not exist"
                    + (explicit() ? "" : " (run 'postern init var --hostname HOST' or 'postern serve' to create one)"));
        }
        try {
            return ConfigLoader.standard().read(p);
        } catch (IOException e) {
            throw new CliException("cannot read " + p + ": " + e.getMessage());
        }
    }
}
