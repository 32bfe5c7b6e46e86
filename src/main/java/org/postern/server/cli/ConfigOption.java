package org.postern.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.postern.core.config.Config;
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
        Path p = path();
        if (!Files.exists(p)) {
            throw new CliException("configuration file " + p + " does not exist"
                    + (explicit() ? "" : " (run 'postern init var --hostname HOST' or 'postern serve' to create one)"));
        }
        try {
            return ConfigLoader.standard().load(p);
        } catch (ConfigLoader.ConfigException e) {
            throw new CliException(e.getMessage());
        } catch (IOException e) {
            throw new CliException("cannot read " + p + ": " + e.getMessage());
        }
    }
}
