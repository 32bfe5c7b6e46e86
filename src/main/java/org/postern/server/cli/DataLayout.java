package org.postern.server.cli;

import java.nio.file.Path;
import org.postern.core.config.Config;
import org.postern.server.config.ServerSettings;

/** Where things live under the data directory. */
public record DataLayout(Path dataDir) {

    public static DataLayout of(Config config) {
        return new DataLayout(config.baseDir().resolve(config.get(ServerSettings.DATA_DIRECTORY)).normalize());
    }

    public Path resolve(String relative) {
        return relative == null || relative.isEmpty() ? null : dataDir.resolve(relative).normalize();
    }
}
