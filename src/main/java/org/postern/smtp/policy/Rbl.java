package org.postern.smtp.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.core.Texts;

/** DNS block/allow list names, result filters ("zen.example=127.0.0.[2..11]") and reply templates. */
final class Rbl {
    private Rbl() {
    }

    /**
     * A list domain with an optional filter on the answer: {@code d=127.0.0.2}, or per-octet ranges
     * and sets as Postfix allows: {@code d=127.0.0.[2..11]}, {@code d=127.0.[0;1].[2;4..7]}.
     */
    record Spec(String domain, List<int[][]> octets) {
        static Spec parse(String arg) {
            String a = arg.strip();
            int eq = a.indexOf('=');
            String domain = (eq < 0 ? a : a.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (domain.endsWith(".")) {
                domain = domain.substring(0, domain.length() - 1);
            }
            if (domain.isEmpty() || !Hostnames.validHostname(domain)) {
                throw new IllegalArgumentException("bad DNS list domain \"" + arg + "\"");
            }
            if (eq < 0) {
                return new Spec(domain, null);
            }
            String filter = a.substring(eq + 1);
            String[] parts = splitOctets(filter);
            if (parts.length != 4) {
                throw new IllegalArgumentException("bad DNS list result filter \"" + filter + "\" in \"" + arg + "\" (need e.g. 127.0.0.2 or 127.0.0.[2..11])");
            }
            List<int[][]> octets = new ArrayList<>();
            for (String part : parts) {
                octets.add(parseOctet(part, arg));
            }
            return new Spec(domain, octets);
        }

        private static String[] splitOctets(String f) {
            List<String> out = new ArrayList<>();
            int depth = 0;
            StringBuilder cur = new StringBuilder();
            for (int i = 0; i < f.length(); i++) {
                char c = f.charAt(i);
                if (c == '[') {
                    depth++;
                } else if (c == ']') {
                    depth--;
                }
                if (c == '.' && depth == 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            out.add(cur.toString());
            return out.toArray(String[]::new);
        }

        /** Each int[] is {low, high}. */
        private static int[][] parseOctet(String part, String arg) {
            String p = part;
            if (p.startsWith("[") && p.endsWith("]")) {
                p = p.substring(1, p.length() - 1);
            }
            List<int[]> ranges = new ArrayList<>();
            for (String item : p.split(";")) {
                try {
                    int dots = item.indexOf("..");
                    int lo = Integer.parseInt(dots < 0 ? item : item.substring(0, dots));
                    int hi = dots < 0 ? lo : Integer.parseInt(item.substring(dots + 2));
                    if (lo < 0 || hi > 255 || lo > hi) {
                        throw new NumberFormatException();
                    }
                    ranges.add(new int[] {lo, hi});
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad DNS list result filter \"" + part + "\" in \"" + arg + "\"");
                }
            }
            return ranges.toArray(int[][]::new);
        }

        /** True when an answer passes the filter (any answer when there is no filter). */
        boolean matches(List<String> answers) {
            if (answers.isEmpty()) {
                return false;
            }
            if (octets == null) {
                return true;
            }
            for (String a : answers) {
                String[] p = a.split("\\.");
                if (p.length != 4) {
                    continue;
                }
                boolean ok = true;
                for (int i = 0; i < 4 && ok; i++) {
                    int v;
                    try {
                        v = Integer.parseInt(p[i]);
                    } catch (NumberFormatException e) {
                        ok = false;
                        break;
                    }
                    boolean in = false;
                    for (int[] r : octets.get(i)) {
                        if (v >= r[0] && v <= r[1]) {
                            in = true;
                            break;
                        }
                    }
                    ok = in;
                }
                if (ok) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The DNSBL query prefix: reversed octets (IPv4) or reversed nibbles (IPv6). */
    static String reverse(InetAddress ip) {
        byte[] b = ip.getAddress();
        StringBuilder sb = new StringBuilder();
        if (ip instanceof Inet4Address) {
            for (int i = b.length - 1; i >= 0; i--) {
                sb.append(b[i] & 0xff);
                if (i > 0) {
                    sb.append('.');
                }
            }
            return sb.toString();
        }
        for (int i = b.length - 1; i >= 0; i--) {
            sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16));
            if (i > 0) {
                sb.append('.');
            }
        }
        return sb.toString();
    }

    /** Rejects templates with unbalanced ${...}; called when the configuration loads. */
    static void checkTemplate(String key, String template) {
        int depth = 0;
        for (int i = 0; i < template.length(); i++) {
            if (template.charAt(i) == '$' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (template.charAt(i) == '}' && depth > 0) {
                depth--;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException(key + ": unbalanced ${ } in \"" + template + "\"");
        }
    }

    /**
     * Postfix macro expansion: $name, ${name}, ${name?text} (text when name is non-empty),
     * ${name:text} (text when empty). Values are made safe for a reply line.
     */
    static String expand(String template, Map<String, String> vars) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '$' || i + 1 >= template.length()) {
                out.append(c);
                i++;
                continue;
            }
            char n = template.charAt(i + 1);
            if (n == '$') {
                out.append('$');
                i += 2;
            } else if (n == '{' || n == '(') {
                char close = n == '{' ? '}' : ')';
                int end = matching(template, i + 2, n, close);
                String body = template.substring(i + 2, end);
                int op = indexOfOp(body);
                String name = op < 0 ? body : body.substring(0, op);
                String value = vars.getOrDefault(name, "");
                if (op < 0) {
                    out.append(Texts.safe(value));
                } else if (body.charAt(op) == '?') {
                    if (!value.isEmpty()) {
                        out.append(expand(body.substring(op + 1), vars));
                    }
                } else if (value.isEmpty()) {
                    out.append(expand(body.substring(op + 1), vars));
                } else {
                    out.append(Texts.safe(value));
                }
                i = end + 1;
            } else if (Character.isLetterOrDigit(n) || n == '_') {
                int j = i + 1;
                while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
                    j++;
                }
                out.append(Texts.safe(vars.getOrDefault(template.substring(i + 1, j), "")));
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int matching(String s, int from, char open, char close) {
        int depth = 1;
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == open && i > 0 && s.charAt(i - 1) == '$') {
                depth++;
            } else if (s.charAt(i) == close) {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return s.length();
    }

    private static int indexOfOp(String body) {
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '?' || c == ':') {
                return i;
            }
            if (!Character.isLetterOrDigit(c) && c != '_') {
                return -1;
            }
        }
        return -1;
    }
}
