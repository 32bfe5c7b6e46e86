package org.postern.core.config;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable, validated configuration: every registered setting has a value (from the file or
 * its default). Built by the loader in {@code server.config}; components read typed values.
 */
public final class Config {
    private final Map<String, Setting<?>> registry;
    private final Map<String, Object> values;
    private final Map<String, String> explicitText; // only keys set in the file
    private final Path file;
    private final Path baseDir;
    private final Map<String, Integer> lines; // line of each key set in the file

    public Config(Collection<Setting<?>> registry, Map<String, Object> values, Map<String, String> explicitText, Path file) {
        this(registry, values, explicitText, file, Map.of());
    }

    public Config(Collection<Setting<?>> registry, Map<String, Object> values, Map<String, String> explicitText, Path file,
                  Map<String, Integer> lines) {
        Map<String, Setting<?>> reg = new LinkedHashMap<>();
        for (Setting<?> s : registry) {
            reg.put(s.key(), s);
        }
        this.registry = java.util.Collections.unmodifiableMap(reg);
        this.values = Map.copyOf(values);
        this.explicitText = Map.copyOf(explicitText);
        this.file = file;
        this.baseDir = file == null ? Path.of("").toAbsolutePath() : file.toAbsolutePath().getParent();
        this.lines = Map.copyOf(lines);
    }

    /**
     * "file:line: " for a key set in the file (or "file: " / "" when unknown), to prefix
     * errors found after loading (restriction names, table files, certificates).
     */
    public String where(String key) {
        if (file == null) {
            return "";
        }
        Integer line = lines.get(key);
        return file + (line == null ? "" : ":" + line) + ": ";
    }

    /** All defaults (no file). */
    public static Config defaults(Collection<Setting<?>> registry) {
        Map<String, Object> v = new HashMap<>();
        for (Setting<?> s : registry) {
            v.put(s.key(), s.defaultValue());
        }
        return new Config(registry, v, Map.of(), null);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        Object v = values.get(s.key());
        if (v == null) {
            if (!registry.containsKey(s.key())) {
                throw new IllegalStateException("setting " + s.key() + " is not registered (add it to the component's settings list)");
            }
            return s.defaultValue();
        }
        return (T) v;
    }

    /** A path setting resolved against the config file's directory. */
    public Path path(Setting<String> s) {
        return baseDir.resolve(get(s)).normalize();
    }

    public boolean isExplicit(Setting<?> s) {
        return explicitText.containsKey(s.key());
    }

    public Map<String, Setting<?>> registry() {
        return registry;
    }

    /** The config file, or null when running on defaults. */
    public Path file() {
        return file;
    }

    public Path baseDir() {
        return baseDir;
    }

    /** A copy with some values replaced (tests and CLI overrides); values are parsed like file text. */
    public Config with(Map<Setting<?>, String> overrides) {
        Map<String, Object> v = new HashMap<>(values);
        Map<String, String> ex = new HashMap<>(explicitText);
        for (var e : overrides.entrySet()) {
            v.put(e.getKey().key(), e.getKey().type().parse(e.getValue()));
            ex.put(e.getKey().key(), e.getValue());
        }
        return new Config(registry.values(), v, ex, file, lines);
    }
}
