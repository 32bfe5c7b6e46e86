package org.postern.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postern.core.config.Config;
import org.postern.core.config.ConfigError;
import org.postern.core.config.Setting;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Loads the TOML configuration file. Every problem (syntax, unknown section or key, bad value,
 * a listener override of a process-wide setting) is collected as a {@link ConfigError} with file,
 * line and key, with a "did you mean" for near misses.
 *
 * <p>Listener overrides (Postfix's {@code master.cf -o}): {@code [listen] smtp = "*:25"} may
 * instead be written as a table that also overrides per-listener settings:
 * <pre>
 * [listen.smtp]
 * address = "*:25"
 * smtpd_helo_required = "yes"
 * [listen.lmtp.smtpd]          # the same, with the section named
 * message_size_limit = "100m"
 * </pre>
 */
public final class ConfigLoader {
    private final Collection<Setting<?>> registry;

    public ConfigLoader(Collection<Setting<?>> registry) {
        this.registry = registry;
    }

    public static ConfigLoader standard() {
        return new ConfigLoader(AllSettings.list());
    }

    /** Thrown when the file has problems; the message lists all of them, one per line. */
    public static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<ConfigError> problems;

        public ConfigException(List<ConfigError> problems) {
            super(String.join("\n", problems.stream().map(ConfigError::toString).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<ConfigError> problems() {
            return problems;
        }
    }

    /**
     * What a file yields: the configuration (a value in error keeps its default, so the checks
     * beyond syntax can still run for {@code config check}) and every problem found, in file order.
     */
    public record Loaded(Config config, List<ConfigError> errors) {
        public Loaded {
            errors = List.copyOf(errors);
        }
    }

    public Config load(Path file) throws ConfigException, IOException {
        return orThrow(read(file));
    }

    public Config parse(Path file, String text) throws ConfigException {
        return orThrow(parseAll(file, text));
    }

    private static Config orThrow(Loaded l) throws ConfigException {
        if (!l.errors().isEmpty()) {
            throw new ConfigException(l.errors());
        }
        return l.config();
    }

    /** Reads a file and collects every problem instead of stopping at the first. */
    public Loaded read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            return new Loaded(new Config(registry, defaults(), Map.of(), file),
                    List.of(new ConfigError(file, 0, null, "file is not valid UTF-8")));
        }
        return parseAll(file, text);
    }

    private Map<String, Object> defaults() {
        Map<String, Object> values = new HashMap<>();
        for (Setting<?> s : registry) {
            values.put(s.key(), s.defaultValue());
        }
        return values;
    }

    /** One parse: the values and lines it collects, and its problems. */
    private final class Parse {
        final Path file;
        final List<ConfigError> problems = new ArrayList<>();
        final Map<String, Setting<?>> byKey = new LinkedHashMap<>();
        final Map<String, List<String>> sections = new LinkedHashMap<>();
        final Map<String, Object> values = defaults();
        final Map<String, String> explicit = new HashMap<>();
        final Map<String, Integer> lines = new HashMap<>();
        final Map<String, Map<String, Object>> listenerValues = new LinkedHashMap<>();
        final Map<String, Map<String, String>> listenerText = new HashMap<>();
        final Map<String, Map<String, Integer>> listenerLines = new HashMap<>();

        Parse(Path file) {
            this.file = file;
            for (Setting<?> s : registry) {
                byKey.put(s.key(), s);
                sections.computeIfAbsent(s.section(), k -> new ArrayList<>()).add(s.name());
            }
        }

        void problem(int line, String key, String message) {
            problems.add(new ConfigError(file, line, key, message));
        }

        void section(String top, TomlTable table) {
            for (String name : table.keySet()) {
                String key = top + "." + name;
                int kline = line(table.inputPositionOf(List.of(name)));
                Object raw = table.get(List.of(name));
                Setting<?> s = byKey.get(key);
                if (s == null) {
                    String other = sectionFor(name, sections);
                    String hint = other != null ? "; it belongs in [" + other + "]" : didYouMean(name, sections.get(top));
                    problem(kline, key, "unknown key" + hint);
                } else if (raw instanceof TomlTable t && top.equals("listen") && Config.LISTENERS.contains(name)) {
                    listener(name, t);
                } else if (raw instanceof TomlTable) {
                    problem(kline, key, top.equals("listen")
                            ? "only the " + String.join(", ", Config.LISTENERS) + " listeners take a table of overrides; write "
                                    + name + " = \"host:port\""
                            : "expected a value, not a table");
                } else {
                    Object v = value(s, raw, key, kline);
                    if (v != null) {
                        values.put(key, v);
                        explicit.put(key, text(raw));
                        lines.put(key, kline);
                    }
                }
            }
        }

        /** {@code [listen.NAME]}: "address" and per-listener settings, flat or as {@code [listen.NAME.section]}. */
        void listener(String listener, TomlTable table) {
            for (String name : table.keySet()) {
                int kline = line(table.inputPositionOf(List.of(name)));
                Object raw = table.get(List.of(name));
                String shown = "listen." + listener + "." + name;
                if (name.equals("address")) {
                    String key = "listen." + listener;
                    Object v = value(byKey.get(key), raw, shown, kline);
                    if (v != null) {
                        values.put(key, v);
                        explicit.put(key, text(raw));
                        lines.put(key, kline);
                    }
                } else if (raw instanceof TomlTable sub && sections.containsKey(name)) {
                    for (String sname : sub.keySet()) {
                        Setting<?> s = byKey.get(name + "." + sname);
                        int sline = line(sub.inputPositionOf(List.of(sname)));
                        if (s == null) {
                            problem(sline, shown + "." + sname, "unknown key" + didYouMean(sname, sections.get(name)));
                        } else {
                            override(listener, s, sub.get(List.of(sname)), shown + "." + sname, sline);
                        }
                    }
                } else {
                    Setting<?> s = byName(name);
                    if (s == null) {
                        List<String> names = new ArrayList<>(List.of("address"));
                        registry.stream().filter(Setting::perListener).map(Setting::name).forEach(names::add);
                        problem(kline, shown, "unknown key" + didYouMean(name, names));
                    } else {
                        override(listener, s, raw, shown, kline);
                    }
                }
            }
        }

        /** The setting of this name, a per-listener one first (names are unique in practice). */
        private Setting<?> byName(String name) {
            Setting<?> global = null;
            for (Setting<?> s : registry) {
                if (s.name().equals(name)) {
                    if (s.perListener()) {
                        return s;
                    }
                    global = s;
                }
            }
            return global;
        }

        void override(String listener, Setting<?> s, Object raw, String shown, int line) {
            if (!s.perListener()) {
                problem(line, shown, "not a per-listener setting (one value for the whole server); set it in [" + s.section() + "]");
                return;
            }
            Object v = value(s, raw, shown, line);
            if (v != null) {
                listenerValues.computeIfAbsent(listener, k -> new HashMap<>()).put(s.key(), v);
                listenerText.computeIfAbsent(listener, k -> new HashMap<>()).put(s.key(), text(raw));
                listenerLines.computeIfAbsent(listener, k -> new HashMap<>()).put(s.key(), line);
            }
        }

        /** The parsed value, or null after recording the problem. */
        private Object value(Setting<?> s, Object raw, String shown, int line) {
            String t = text(raw);
            if (t == null) {
                problem(line, shown, "expected a value, not a table");
                return null;
            }
            try {
                return s.type().parse(t);
            } catch (IllegalArgumentException e) {
                problem(line, shown, "bad value: " + e.getMessage());
                return null;
            }
        }

        Config config() {
            Map<String, Config.Overrides> overrides = new LinkedHashMap<>();
            for (String l : listenerValues.keySet()) {
                overrides.put(l, new Config.Overrides(listenerValues.get(l), listenerText.get(l), listenerLines.get(l)));
            }
            return new Config(registry, values, explicit, file, lines, overrides);
        }
    }

    /** A TOML value as setting text (arrays joined by commas, booleans as yes/no); null for a table. */
    private static String text(Object raw) {
        if (raw instanceof TomlArray arr) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < arr.size(); i++) {
                parts.add(String.valueOf(arr.get(i)));
            }
            return String.join(", ", parts);
        } else if (raw instanceof TomlTable) {
            return null;
        } else if (raw instanceof Boolean b) {
            return b ? "yes" : "no";
        }
        return String.valueOf(raw);
    }

    /** Parses the text and collects every problem (syntax, sections, keys, values, overrides). */
    public Loaded parseAll(Path file, String text) {
        Parse p = new Parse(file);
        TomlParseResult toml;
        try {
            toml = Toml.parse(text);
        } catch (AssertionError | RuntimeException e) {
            // tomlj 1.1.1 asserts on some malformed escapes (found by ConfigFuzzTest, run with -ea)
            // instead of reporting a parse error; still a precise answer, never a stack trace
            p.problem(0, null, "syntax error: the file is not valid TOML (a malformed escape sequence in a string?)");
            return new Loaded(p.config(), p.problems);
        }
        for (TomlParseError e : toml.errors()) {
            p.problem(e.position().line(), null, "syntax error: " + e.getMessage());
        }
        // what parsed before and after a syntax error is still checked: every problem at once
        for (String top : toml.keySet()) {
            Object v = toml.get(List.of(top));
            int line = line(toml.inputPositionOf(List.of(top)));
            if (!(v instanceof TomlTable table)) {
                String hint = sectionFor(top, p.sections);
                p.problem(line, top, "settings belong in a section" + (hint == null ? "" : "; did you mean [" + hint + "] " + top + "?"));
            } else if (!p.sections.containsKey(top)) {
                p.problem(line, "[" + top + "]", "unknown section" + didYouMean(top, p.sections.keySet()));
            } else {
                p.section(top, table);
            }
        }
        List<ConfigError> sorted = new ArrayList<>(p.problems);
        sorted.sort(java.util.Comparator.comparingInt(ConfigError::line));
        return new Loaded(p.config(), sorted);
    }

    private static int line(TomlPosition p) {
        return p == null ? 0 : p.line();
    }

    private static String sectionFor(String name, Map<String, List<String>> sections) {
        for (var e : sections.entrySet()) {
            if (e.getValue().contains(name)) {
                return e.getKey();
            }
        }
        return null;
    }

    static String didYouMean(String given, Collection<String> candidates) {
        String best = org.postern.core.Suggest.closest(given, candidates, 3);
        return best != null ? "; did you mean '" + best + "'?" : "";
    }
}
