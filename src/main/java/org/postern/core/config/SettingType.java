package org.postern.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a setting's text becomes a typed value. {@link #parse} throws IllegalArgumentException
 * with a message that completes "bad value for KEY: ...".
 */
public interface SettingType<T> {
    T parse(String text);

    /** A short name for help and errors, e.g. "size (bytes, k/m/g suffix)". */
    String describe();

    default String format(T value) {
        return String.valueOf(value);
    }

    SettingType<String> STRING = new SettingType<>() {
        public String parse(String t) {
            return t;
        }

        public String describe() {
            return "text";
        }
    };

    SettingType<Boolean> BOOL = new SettingType<>() {
        public Boolean parse(String t) {
            return switch (t.strip().toLowerCase(Locale.ROOT)) {
                case "yes", "true", "on", "1" -> true;
                case "no", "false", "off", "0" -> false;
                default -> throw new IllegalArgumentException("expected yes or no, got '" + t + "'");
            };
        }

        public String describe() {
            return "yes|no";
        }

        public String format(Boolean v) {
            return v ? "yes" : "no";
        }
    };

    SettingType<Integer> INT = new SettingType<>() {
        public Integer parse(String t) {
            try {
                return Integer.parseInt(t.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a whole number, got '" + t + "'");
            }
        }

        public String describe() {
            return "number";
        }
    };

    /** Bytes; accepts k, m, g suffixes (binary: 1k = 1024). */
    SettingType<Long> SIZE = new SettingType<>() {
        public Long parse(String t) {
            String s = t.strip().toLowerCase(Locale.ROOT);
            long mult = 1;
            if (s.endsWith("b")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.endsWith("k")) {
                mult = 1024;
            } else if (s.endsWith("m")) {
                mult = 1024 * 1024;
            } else if (s.endsWith("g")) {
                mult = 1024L * 1024 * 1024;
            }
            if (mult != 1) {
                s = s.substring(0, s.length() - 1);
            }
            try {
                long v = Long.parseLong(s.strip());
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return Math.multiplyExact(v, mult);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("expected a size in bytes (optionally with k, m or g), got '" + t + "'");
            }
        }

        public String describe() {
            return "size (bytes, k/m/g suffix)";
        }
    };

    /**
     * Postfix time syntax: a number with unit s, m, h, d or w (default unit seconds), e.g. "300s", "5d".
     * Several terms may be combined ("1h30m").
     */
    SettingType<Duration> DURATION = new SettingType<>() {
        public Duration parse(String t) {
            String s = t.strip().toLowerCase(Locale.ROOT);
            if (s.isEmpty()) {
                throw new IllegalArgumentException("expected a time such as 300s, 5m, 2h or 5d, got ''");
            }
            Duration total = Duration.ZERO;
            int i = 0;
            while (i < s.length()) {
                int start = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                if (start == i) {
                    throw new IllegalArgumentException("expected a time such as 300s, 5m, 2h or 5d, got '" + t + "'");
                }
                long n = Long.parseLong(s.substring(start, i));
                char unit = i < s.length() ? s.charAt(i++) : 's';
                total = total.plus(switch (unit) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    case 'w' -> Duration.ofDays(7 * n);
                    default -> throw new IllegalArgumentException("unknown time unit '" + unit + "' in '" + t + "' (use s, m, h, d or w)");
                });
            }
            return total;
        }

        public String describe() {
            return "time (s, m, h, d, w)";
        }

        public String format(Duration d) {
            long s = d.toSeconds();
            if (s != 0 && s % 86400 == 0) {
                return s / 86400 + "d";
            }
            if (s != 0 && s % 3600 == 0) {
                return s / 3600 + "h";
            }
            if (s != 0 && s % 60 == 0) {
                return s / 60 + "m";
            }
            return s + "s";
        }
    };

    /** A list separated by commas and/or whitespace, as in Postfix's main.cf; TOML arrays also accepted. */
    SettingType<List<String>> LIST = new SettingType<>() {
        public List<String> parse(String t) {
            List<String> out = new ArrayList<>();
            for (String p : t.split("[,\\s]+")) {
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
            return List.copyOf(out);
        }

        public String describe() {
            return "list";
        }

        public String format(List<String> v) {
            return String.join(", ", v);
        }
    };

    /**
     * A Postfix restriction list: like LIST, but "check_client_access cidr:/x" stays one element
     * (a restriction that takes an argument keeps it).
     */
    SettingType<List<String>> RESTRICTIONS = new SettingType<>() {
        public List<String> parse(String t) {
            List<String> words = LIST.parse(t);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                if (Restrictions.takesArgument(w) && i + 1 < words.size()) {
                    out.add(w + " " + words.get(++i));
                } else {
                    out.add(w);
                }
            }
            return List.copyOf(out);
        }

        public String describe() {
            return "restriction list";
        }

        public String format(List<String> v) {
            return String.join(", ", v);
        }
    };

    /**
     * A listener address "host:port" ("[v6]:port"; "*" or empty host means all addresses);
     * the empty string disables the listener.
     */
    SettingType<String> LISTEN = new SettingType<>() {
        public String parse(String t) {
            String s = t.strip();
            if (s.isEmpty()) {
                return "";
            }
            int c = s.lastIndexOf(':');
            if (c < 0) {
                throw new IllegalArgumentException("expected host:port (e.g. 0.0.0.0:25), got '" + t + "'");
            }
            String host = s.substring(0, c);
            if (host.startsWith("[") != host.endsWith("]") || (!host.startsWith("[") && host.contains(":"))) {
                throw new IllegalArgumentException("IPv6 addresses go in brackets, e.g. [::]:25; got '" + t + "'");
            }
            try {
                int port = Integer.parseInt(s.substring(c + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + t + "'");
            }
            return s;
        }

        public String describe() {
            return "host:port, empty disables";
        }
    };

    static SettingType<String> oneOf(String... choices) {
        return new SettingType<>() {
            public String parse(String t) {
                String s = t.strip().toLowerCase(Locale.ROOT);
                for (String c : choices) {
                    if (c.equals(s)) {
                        return c;
                    }
                }
                throw new IllegalArgumentException("expected one of " + String.join(", ", choices) + ", got '" + t + "'");
            }

            public String describe() {
                return String.join("|", choices);
            }
        };
    }

    /** Which Postfix restriction names take one argument (the next word). */
    final class Restrictions {
        private Restrictions() {
        }

        static boolean takesArgument(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.startsWith("check_") || n.startsWith("reject_rbl_client") || n.startsWith("reject_rhsbl_")
                    || n.equals("permit_dnswl_client") || n.equals("permit_rhswl_client")
                    || n.equals("reject_dnsbl_client");
        }
    }
}
