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
import org.postern.core.config.Setting;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Loads the TOML configuration file. Every problem (syntax, unknown section or key, bad value)
 * is collected and reported with file, line and key, with a "did you mean" for near misses.
 */
public final class ConfigLoader {
    private final Collection<Setting<?>> registry;

    public ConfigLoader(Collection<Setting<?>> registry) {
        this.registry = registry;
    }

    public static ConfigLoader standard() {
        return new ConfigLoader(AllSettings.list());
    }

    /** One problem in the file. */
    public record Problem(Path file, int line, String key, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + (key == null ? "" : key + ": ") + message;
        }
    }

    /** Thrown when the file has problems; the message lists all of them, one per line. */
    public static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<Problem> problems;

        public ConfigException(List<Problem> problems) {
            super(String.join("\n", problems.stream().map(Problem::toString).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    public Config load(Path file) throws ConfigException, IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ConfigException(List.of(new Problem(file, 0, null, "file is not valid UTF-8")));
        }
        return parse(file, text);
    }

    public Config parse(Path file, String text) throws ConfigException {
        TomlParseResult toml = Toml.parse(text);
        List<Problem> problems = new ArrayList<>();
        for (TomlParseError e : toml.errors()) {
            problems.add(new Problem(file, e.position().line(), null, "syntax error: " + e.getMessage()));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Map<String, Setting<?>> byKey = new LinkedHashMap<>();
        Map<String, List<String>> sections = new LinkedHashMap<>();
        for (Setting<?> s : registry) {
            byKey.put(s.key(), s);
            sections.computeIfAbsent(s.section(), k -> new ArrayList<>()).add(s.name());
        }
        Map<String, Object> values = new HashMap<>();
        Map<String, String> explicit = new HashMap<>();
        Map<String, Integer> lines = new HashMap<>();
        for (Setting<?> s : registry) {
            values.put(s.key(), s.defaultValue());
        }
        for (String top : toml.keySet()) {
            Object v = toml.get(List.of(top));
            int line = line(toml.inputPositionOf(List.of(top)));
            if (!(v instanceof TomlTable table)) {
                String hint = sectionFor(top, sections);
                problems.add(new Problem(file, line, top, "settings belong in a section"
                        + (hint == null ? "" : "; did you mean [" + hint + "] " + top + "?")));
                continue;
            }
            if (!sections.containsKey(top)) {
                problems.add(new Problem(file, line, "[" + top + "]", "unknown section" + didYouMean(top, sections.keySet())));
                continue;
            }
            for (String name : table.keySet()) {
                String key = top + "." + name;
                int kline = line(table.inputPositionOf(List.of(name)));
                Setting<?> s = byKey.get(key);
                if (s == null) {
                    String other = sectionFor(name, sections);
                    String hint = other != null ? "; it belongs in [" + other + "]" : didYouMean(name, sections.get(top));
                    problems.add(new Problem(file, kline, key, "unknown key" + hint));
                    continue;
                }
                Object raw = table.get(List.of(name));
                String textValue;
                if (raw instanceof TomlArray arr) {
                    List<String> parts = new ArrayList<>();
                    for (int i = 0; i < arr.size(); i++) {
                        parts.add(String.valueOf(arr.get(i)));
                    }
                    textValue = String.join(", ", parts);
                } else if (raw instanceof TomlTable) {
                    problems.add(new Problem(file, kline, key, "expected a value, not a table"));
                    continue;
                } else if (raw instanceof Boolean b) {
                    textValue = b ? "yes" : "no";
                } else {
                    textValue = String.valueOf(raw);
                }
                try {
                    values.put(key, s.type().parse(textValue));
                    explicit.put(key, textValue);
                    lines.put(key, kline);
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(file, kline, key, "bad value: " + e.getMessage()));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(registry, values, explicit, file, lines);
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
