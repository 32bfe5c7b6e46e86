package org.postern.smtp.policy.table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A key/value table in postmap's source format ({@code hash:}, {@code texthash:}, {@code lmdb:},
 * {@code btree:}, {@code dbm:}): "key whitespace value" per logical line. Postern reads the text file
 * the administrator wrote (no postmap step). Keys are folded to lower case, like postmap without -f.
 */
public final class HashTable implements Table {
    private final String name;
    private final Map<String, String> map;
    private final List<Result> results;

    private HashTable(String name, Map<String, String> map, List<Result> results) {
        this.name = name;
        this.map = map;
        this.results = results;
    }

    public static HashTable load(String name, Path file) {
        return parse(name, file.toString(), LineReader.read(file));
    }

    static HashTable parse(String name, String file, List<LineReader.Line> lines) {
        Map<String, String> map = new HashMap<>();
        List<Result> results = new ArrayList<>();
        for (LineReader.Line l : lines) {
            String t = l.text();
            int sp = indexOfWhitespace(t);
            if (sp < 0) {
                throw TableFileException.at(file, l.number(), "expected \"key whitespace value\", got \"" + t + "\"");
            }
            String key = t.substring(0, sp).toLowerCase(Locale.ROOT);
            String value = t.substring(sp).strip();
            // a duplicate key: the first entry wins
            map.putIfAbsent(key, value);
            results.add(new Result(l.number(), value));
        }
        return new HashTable(name, Map.copyOf(map), List.copyOf(results));
    }

    static int indexOfWhitespace(String t) {
        for (int i = 0; i < t.length(); i++) {
            if (Character.isWhitespace(t.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean fixed() {
        return true;
    }

    @Override
    public String find(String key) {
        return map.get(key.toLowerCase(Locale.ROOT));
    }

    @Override
    public List<Result> results() {
        return results;
    }

    public int size() {
        return map.size();
    }
}
