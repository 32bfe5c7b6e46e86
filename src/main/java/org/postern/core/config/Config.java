package org.postern.core.config;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable, validated configuration: every registered setting has a value (from the file or
 * its default). Built by the loader in {@code server.config}; components read typed values.
 *
 * <p>Per-listener overrides (Postfix's {@code master.cf -o}): the file's {@code [listen.smtp]},
 * {@code [listen.lmtp]}... tables may set {@linkplain Setting#perListener() per-listener}
 * settings. {@link #forListener(String)} returns that listener's view, a Config in which its
 * overrides win over the global values; components that take a Config simply get the view.
 */
public final class Config {
    /** The listeners that run the SMTP engine and so take smtpd/policy/TLS overrides. */
    public static final List<String> LISTENERS = List.of("smtp", "submission", "submissions", "lmtp");

    /** A listener's overrides: parsed values, their file text and their lines, by setting key. */
    public record Overrides(Map<String, Object> values, Map<String, String> text, Map<String, Integer> lines) {
        public static final Overrides NONE = new Overrides(Map.of(), Map.of(), Map.of());

        public Overrides {
            values = Map.copyOf(values);
            text = Map.copyOf(text);
            lines = Map.copyOf(lines);
        }
    }

    private final Map<String, Setting<?>> registry;
    private final Map<String, Object> values;
    private final Map<String, String> explicitText; // only keys set in the file
    private final Path file;
    private final Path baseDir;
    private final Map<String, Integer> lines; // line of each key set in the file
    private final Map<String, Overrides> listeners; // overrides by listener name (global view only)
    private final String listener; // null for the global view
    private final Config global; // this, or the global view this listener view was made from

    public Config(Collection<Setting<?>> registry, Map<String, Object> values, Map<String, String> explicitText, Path file) {
        this(registry, values, explicitText, file, Map.of());
    }

    public Config(Collection<Setting<?>> registry, Map<String, Object> values, Map<String, String> explicitText, Path file,
                  Map<String, Integer> lines) {
        this(registry, values, explicitText, file, lines, Map.of());
    }

    /**
     * @param listeners per-listener overrides by listener name (one of {@link #LISTENERS}); only
     *                  per-listener settings
     */
    public Config(Collection<Setting<?>> registry, Map<String, Object> values, Map<String, String> explicitText, Path file,
                  Map<String, Integer> lines, Map<String, Overrides> listeners) {
        Map<String, Setting<?>> reg = new LinkedHashMap<>();
        for (Setting<?> s : registry) {
            reg.put(s.key(), s);
        }
        for (var e : listeners.entrySet()) {
            if (!LISTENERS.contains(e.getKey())) {
                throw new IllegalArgumentException("no listener " + e.getKey() + " takes overrides (only " + String.join(", ", LISTENERS) + ")");
            }
            for (String key : e.getValue().values().keySet()) {
                Setting<?> s = reg.get(key);
                if (s == null || !s.perListener()) {
                    throw new IllegalArgumentException(key + " is not a per-listener setting");
                }
            }
        }
        this.registry = java.util.Collections.unmodifiableMap(reg);
        this.values = Map.copyOf(values);
        this.explicitText = Map.copyOf(explicitText);
        this.file = file;
        this.baseDir = file == null ? Path.of("").toAbsolutePath() : file.toAbsolutePath().getParent();
        this.lines = Map.copyOf(lines);
        this.listeners = Map.copyOf(listeners);
        this.listener = null;
        this.global = this;
    }

    private Config(Config global, String listener) {
        Overrides o = global.listeners.getOrDefault(listener, Overrides.NONE);
        this.registry = global.registry;
        this.values = overlay(global.values, o.values());
        this.explicitText = overlay(global.explicitText, o.text());
        this.lines = overlay(global.lines, o.lines());
        this.file = global.file;
        this.baseDir = global.baseDir;
        this.listeners = global.listeners;
        this.listener = listener;
        this.global = global;
    }

    private static <V> Map<String, V> overlay(Map<String, V> base, Map<String, V> top) {
        if (top.isEmpty()) {
            return base;
        }
        Map<String, V> m = new HashMap<>(base);
        m.putAll(top);
        return Map.copyOf(m);
    }

    /**
     * The view of one listener: its overrides win over the global values. The name is one of
     * {@link #LISTENERS}; a listener without overrides gets the global values.
     */
    public Config forListener(String name) {
        if (!LISTENERS.contains(name)) {
            throw new IllegalArgumentException("no listener '" + name + "' (one of " + String.join(", ", LISTENERS) + ")");
        }
        return new Config(global, name);
    }

    /** The listener this view is for, or null for the global view. */
    public String listener() {
        return listener;
    }

    /** The overrides the file sets for a listener (empty when none), for {@code config show}. */
    public Overrides overrides(String name) {
        return global.listeners.getOrDefault(name, Overrides.NONE);
    }

    /**
     * A problem with a setting's value, located at the line that set it: the listener's
     * override in a listener view (key "listen.NAME.setting"), else the global line.
     */
    public ConfigError error(String key, String message) {
        Objects.requireNonNull(key);
        if (listener != null && overrides(listener).lines().containsKey(key)) {
            return new ConfigError(file, overrides(listener).lines().get(key), overrideKey(listener, key), message);
        }
        return new ConfigError(file, lines.getOrDefault(key, 0), key, message);
    }

    /** {@link #error(String, String)} for a component's complaint about one setting. */
    public ConfigError error(SettingException e) {
        return error(e.key(), e.detail());
    }

    /** A problem not tied to one setting (the file, a start-up resource). */
    public ConfigError error(String message) {
        return new ConfigError(file, 0, null, message);
    }

    /** How an override's key is named in errors: "listen.smtp.smtpd_helo_required". */
    public static String overrideKey(String listener, String key) {
        return "listen." + listener + "." + key.substring(key.indexOf('.') + 1);
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

    /**
     * A copy with some values replaced (tests and CLI overrides); values are parsed like file text.
     * On a listener view, the values become that listener's overrides (so they must be per-listener).
     */
    public Config with(Map<Setting<?>, String> overrides) {
        if (listener != null) {
            Overrides o = overrides(listener);
            Map<String, Object> v = new HashMap<>(o.values());
            Map<String, String> t = new HashMap<>(o.text());
            for (var e : overrides.entrySet()) {
                v.put(e.getKey().key(), e.getKey().type().parse(e.getValue()));
                t.put(e.getKey().key(), e.getValue());
            }
            Map<String, Overrides> all = new HashMap<>(listeners);
            all.put(listener, new Overrides(v, t, o.lines()));
            return new Config(registry.values(), global.values, global.explicitText, file, global.lines, all).forListener(listener);
        }
        Map<String, Object> v = new HashMap<>(values);
        Map<String, String> ex = new HashMap<>(explicitText);
        for (var e : overrides.entrySet()) {
            v.put(e.getKey().key(), e.getKey().type().parse(e.getValue()));
            ex.put(e.getKey().key(), e.getValue());
        }
        return new Config(registry.values(), v, ex, file, lines, listeners);
    }
}
