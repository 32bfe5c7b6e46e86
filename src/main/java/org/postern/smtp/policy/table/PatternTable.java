package org.postern.smtp.policy.table;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Pattern tables evaluated top-down, first match wins: {@code cidr:} (networks), {@code pcre:} and
 * {@code regexp:} (regular expressions, run with java.util.regex after translating the few syntax
 * differences). All three support Postfix's {@code !pattern} negation and
 * {@code if pattern ... endif} blocks. In pcre/regexp results, {@code $1}, {@code ${1}},
 * {@code $(1)} are replaced by the matched groups and {@code $$} by a dollar sign.
 *
 * <p>Matching is case-insensitive by default; the {@code i} flag toggles that, exactly as in
 * Postfix (so {@code /x/i} is case-sensitive).
 */
public final class PatternTable implements Table {

    public enum Kind { CIDR, PCRE, REGEXP }

    private final String name;
    private final Kind kind;
    private final List<Rule> rules;
    private final List<Result> results;

    private PatternTable(String name, Kind kind, List<Rule> rules, List<Result> results) {
        this.name = name;
        this.kind = kind;
        this.rules = rules;
        this.results = results;
    }

    /** A condition: returns the match (regex groups) or null. */
    private interface Cond {
        MatchResultView test(String key);
    }

    private record MatchResultView(Matcher matcher) {
        String group(int n) {
            if (matcher == null || n > matcher.groupCount()) {
                return "";
            }
            String g = matcher.group(n);
            return g == null ? "" : g;
        }
    }

    private sealed interface Rule permits Entry, Block {
    }

    private record Entry(Cond cond, boolean negated, String result, int line) implements Rule {
    }

    private record Block(Cond cond, boolean negated, List<Rule> body, int line) implements Rule {
    }

    public static PatternTable load(String name, Kind kind, Path file) {
        return parse(name, kind, file.toString(), LineReader.read(file));
    }

    /** Parses table text (for tests and inline use); {@code file} names it in errors. */
    public static PatternTable parse(String name, Kind kind, String file, String text) {
        return parse(name, kind, file, LineReader.logical(List.of(text.split("\n", -1))));
    }

    static PatternTable parse(String name, Kind kind, String file, List<LineReader.Line> lines) {
        Deque<List<Rule>> stack = new ArrayDeque<>();
        Deque<Block> open = new ArrayDeque<>();
        List<Rule> top = new ArrayList<>();
        stack.push(top);
        List<Result> results = new ArrayList<>();
        for (LineReader.Line l : lines) {
            String t = l.text();
            if (t.equalsIgnoreCase("endif")) {
                if (open.isEmpty()) {
                    throw TableFileException.at(file, l.number(), "ignoring ENDIF without matching IF");
                }
                open.pop();
                stack.pop();
                continue;
            }
            boolean isIf = t.length() > 3 && t.regionMatches(true, 0, "if", 0, 2) && Character.isWhitespace(t.charAt(2));
            String rest = isIf ? t.substring(3).strip() : t;
            boolean negated = false;
            if (rest.startsWith("!")) {
                negated = true;
                rest = rest.substring(1).stripLeading();
            }
            Parsed p = kind == Kind.CIDR ? parseCidr(file, l.number(), rest) : parseRegex(kind, file, l.number(), rest);
            if (isIf) {
                if (!p.result().isEmpty()) {
                    throw TableFileException.at(file, l.number(), "IF has extra text after the pattern: \"" + p.result() + "\"");
                }
                List<Rule> body = new ArrayList<>();
                Block b = new Block(p.cond(), negated, body, l.number());
                stack.peek().add(b);
                stack.push(body);
                open.push(b);
                continue;
            }
            if (p.result().isEmpty()) {
                throw TableFileException.at(file, l.number(), "missing result after pattern \"" + rest + "\"");
            }
            if (kind != Kind.CIDR) {
                checkSubstitutions(file, l.number(), p.result(), negated ? 0 : p.groups());
            }
            stack.peek().add(new Entry(p.cond(), negated, p.result(), l.number()));
            results.add(new Result(l.number(), p.result()));
        }
        if (!open.isEmpty()) {
            throw TableFileException.at(file, open.peek().line(), "IF has no matching ENDIF");
        }
        return new PatternTable(name, kind, List.copyOf(top), List.copyOf(results));
    }

    private record Parsed(Cond cond, String result, int groups) {
    }

    private static Parsed parseCidr(String file, int line, String text) {
        int sp = HashTable.indexOfWhitespace(text);
        String pattern = sp < 0 ? text : text.substring(0, sp);
        String result = sp < 0 ? "" : text.substring(sp).strip();
        Cidr net;
        try {
            net = Cidr.parse(pattern, true);
        } catch (IllegalArgumentException e) {
            throw TableFileException.at(file, line, e.getMessage());
        }
        return new Parsed(key -> {
            InetAddress a = Cidr.literal(key);
            return a != null && net.contains(a) ? new MatchResultView(null) : null;
        }, result, 0);
    }

    private static Parsed parseRegex(Kind kind, String file, int line, String text) {
        if (text.isEmpty()) {
            throw TableFileException.at(file, line, "missing pattern");
        }
        char delim = text.charAt(0);
        if (Character.isLetterOrDigit(delim) || Character.isWhitespace(delim) || delim == '\\') {
            throw TableFileException.at(file, line, "pattern must start with a delimiter such as '/', got \"" + text + "\"");
        }
        int i = 1;
        StringBuilder pat = new StringBuilder();
        boolean closed = false;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char n = text.charAt(i + 1);
                if (n == delim && "/#!\"'%,;:@~".indexOf(n) >= 0) {
                    pat.append(n); // an escaped delimiter that is not a regex metacharacter is just the character
                } else {
                    pat.append(c).append(n);
                }
                i += 2;
                continue;
            }
            if (c == delim) {
                closed = true;
                i++;
                break;
            }
            pat.append(c);
            i++;
        }
        if (!closed) {
            throw TableFileException.at(file, line, "missing closing delimiter " + delim + " in \"" + text + "\"");
        }
        int flagsStart = i;
        while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        String flagText = text.substring(flagsStart, i);
        String result = text.substring(i).strip();
        boolean insensitive = true;
        int extra = 0;
        boolean anchored = false;
        for (char f : flagText.toCharArray()) {
            switch (f) {
                case 'i' -> insensitive = !insensitive;
                case 'm' -> extra ^= Pattern.MULTILINE;
                case 's' -> {
                    if (kind != Kind.PCRE) {
                        throw TableFileException.at(file, line, "unknown regexp flag 's'");
                    }
                    extra ^= Pattern.DOTALL;
                }
                case 'x' -> {
                    if (kind == Kind.PCRE) {
                        extra ^= Pattern.COMMENTS;
                    } else {
                        throw TableFileException.at(file, line,
                                "flag 'x' turns off extended regular expressions; basic (BRE) syntax is not supported, use pcre: instead");
                    }
                }
                case 'A' -> {
                    if (kind != Kind.PCRE) {
                        throw TableFileException.at(file, line, "unknown regexp flag 'A'");
                    }
                    anchored = true;
                }
                case 'X' -> {
                    if (kind != Kind.PCRE) {
                        throw TableFileException.at(file, line, "unknown regexp flag 'X'");
                    }
                    // PCRE_EXTRA: stricter escapes; Java already rejects unknown escapes
                }
                default -> throw TableFileException.at(file, line, "unsupported " + kind.name().toLowerCase() + " flag '" + f + "'");
            }
        }
        String java = translate(pat.toString(), kind == Kind.REGEXP);
        if (anchored) {
            java = "\\G(?:" + java + ")";
        }
        Pattern compiled;
        try {
            compiled = Pattern.compile(java, extra | (insensitive ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0));
        } catch (PatternSyntaxException e) {
            throw TableFileException.at(file, line, "bad regular expression /" + pat + "/: " + e.getDescription());
        }
        int groups = compiled.matcher("").groupCount();
        return new Parsed(key -> {
            Matcher m = compiled.matcher(key);
            return m.find() ? new MatchResultView(m) : null;
        }, result, groups);
    }

    /**
     * PCRE/POSIX ERE to java.util.regex: POSIX classes ([:alpha:]), a literal '[' or leading ']'
     * inside brackets, "&&" (Java's class intersection), and for POSIX ERE the literal backslash
     * inside brackets and the GNU word boundaries \< \>.
     */
    static String translate(String p, boolean posix) {
        StringBuilder out = new StringBuilder(p.length() + 8);
        boolean inClass = false;
        int classStart = -1;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (!inClass) {
                if (c == '\\' && i + 1 < p.length()) {
                    char n = p.charAt(i + 1);
                    if (posix && (n == '<' || n == '>')) {
                        out.append("\\b");
                    } else {
                        out.append(c).append(n);
                    }
                    i++;
                } else if (c == '[') {
                    inClass = true;
                    out.append('[');
                    if (i + 1 < p.length() && p.charAt(i + 1) == '^') {
                        out.append('^');
                        i++;
                    }
                    classStart = i + 1;
                } else {
                    out.append(c);
                }
                continue;
            }
            // inside a bracket expression
            if (c == ']' && i == classStart) {
                out.append("\\]");
            } else if (c == ']') {
                inClass = false;
                out.append(']');
            } else if (c == '[' && i + 1 < p.length() && p.charAt(i + 1) == ':') {
                int end = p.indexOf(":]", i + 2);
                String cls = end < 0 ? null : posixClass(p.substring(i + 2, end));
                if (cls == null) {
                    out.append("\\[");
                } else {
                    out.append(cls);
                    i = end + 1;
                }
            } else if (c == '[') {
                out.append("\\[");
            } else if (c == '&' && i + 1 < p.length() && p.charAt(i + 1) == '&') {
                out.append("&\\&");
                i++;
            } else if (c == '\\') {
                if (posix) {
                    out.append("\\\\");
                } else if (i + 1 < p.length()) {
                    out.append(c).append(p.charAt(i + 1));
                    i++;
                } else {
                    out.append("\\\\");
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String posixClass(String name) {
        return switch (name) {
            case "alpha" -> "\\p{Alpha}";
            case "digit" -> "\\p{Digit}";
            case "alnum" -> "\\p{Alnum}";
            case "upper" -> "\\p{Upper}";
            case "lower" -> "\\p{Lower}";
            case "space" -> "\\s";
            case "blank" -> "\\p{Blank}";
            case "punct" -> "\\p{Punct}";
            case "print" -> "\\p{Print}";
            case "graph" -> "\\p{Graph}";
            case "cntrl" -> "\\p{Cntrl}";
            case "xdigit" -> "\\p{XDigit}";
            case "word" -> "\\w";
            default -> null;
        };
    }

    private static void checkSubstitutions(String file, int line, String result, int groups) {
        for (int i = 0; i < result.length(); i++) {
            if (result.charAt(i) != '$' || i + 1 >= result.length()) {
                continue;
            }
            char n = result.charAt(i + 1);
            if (n == '$') {
                i++;
                continue;
            }
            int num = -1;
            if (Character.isDigit(n)) {
                num = n - '0';
            } else if ((n == '{' || n == '(') && i + 2 < result.length() && Character.isDigit(result.charAt(i + 2))) {
                int j = i + 2;
                while (j < result.length() && Character.isDigit(result.charAt(j))) {
                    j++;
                }
                num = Integer.parseInt(result.substring(i + 2, j));
            }
            if (num > groups) {
                throw TableFileException.at(file, line, "out of range replacement index \"" + num + "\" (the pattern has " + groups
                        + " group" + (groups == 1 ? "" : "s") + ")");
            }
        }
    }

    private static String substitute(String result, MatchResultView m) {
        if (result.indexOf('$') < 0) {
            return result;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < result.length(); i++) {
            char c = result.charAt(i);
            if (c != '$' || i + 1 >= result.length()) {
                sb.append(c);
                continue;
            }
            char n = result.charAt(i + 1);
            if (n == '$') {
                sb.append('$');
                i++;
            } else if (Character.isDigit(n)) {
                sb.append(m.group(n - '0'));
                i++;
            } else if ((n == '{' || n == '(') && i + 2 < result.length()) {
                char close = n == '{' ? '}' : ')';
                int end = result.indexOf(close, i + 2);
                String num = end < 0 ? "" : result.substring(i + 2, end);
                if (!num.isEmpty() && num.chars().allMatch(Character::isDigit)) {
                    sb.append(m.group(Integer.parseInt(num)));
                    i = end;
                } else {
                    sb.append(c);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public boolean fixed() {
        return false;
    }

    @Override
    public String find(String key) {
        return find(rules, key);
    }

    private static String find(List<Rule> rules, String key) {
        for (Rule r : rules) {
            switch (r) {
                case Entry e -> {
                    MatchResultView m = e.cond().test(key);
                    if (e.negated() && m == null) {
                        return substitute(e.result(), new MatchResultView(null));
                    }
                    if (!e.negated() && m != null) {
                        return substitute(e.result(), m);
                    }
                }
                case Block b -> {
                    boolean hit = b.cond().test(key) != null;
                    if (hit != b.negated()) {
                        String inner = find(b.body(), key);
                        if (inner != null) {
                            return inner;
                        }
                    }
                }
            }
        }
        return null;
    }

    @Override
    public List<Result> results() {
        return results;
    }
}
