package org.postern.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs scripted SMTP/LMTP sessions against a live server over a real socket.
 *
 * <p>Script format, one directive per line ({@code #} starts a comment line, blank lines are
 * ignored, {@code ${name}} is replaced by a variable given to the runner):
 * <pre>
 * C: EHLO client.example        send the text + CRLF (nothing is read: several C: lines pipeline)
 * B: DATA\r\nx\n.\n             send raw bytes, no CRLF added; escapes \r \n \t \\ \xHH
 * S: 250 2.1.0 Ok               read one reply line; it must equal the text
 * S: 250-*                      ... or start with the text before a trailing '*'
 * S: /^250[ -]SIZE \d+$/        ... or match the regular expression (find) between slashes
 * R: 250*                       read a whole (possibly multi-line) reply; its LAST line must match
 * H: PIPELINING                 the whole reply read last by R: has a line matching (same patterns, without the code)
 * E:                            expect the server to close the connection (EOF) next
 * W: 200                        wait that many milliseconds
 * &#64;source 127.0.0.2            (before the first C:/S:) connect from this local address
 * &#64;port lmtp                   (header) which of the runner's named ports to connect to (default: the first)
 * </pre>
 * A mismatch fails with the script name, line number, the expectation, what came, and the
 * transcript so far.
 */
public final class ScriptRunner {
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, String> vars = new LinkedHashMap<>();
    private String host = "127.0.0.1";
    private Duration timeout = Duration.ofSeconds(20);

    /** Adds a named port ("smtp", "lmtp", ...); the first added is the default. */
    public ScriptRunner port(String name, int port) {
        ports.put(name, port);
        return this;
    }

    public ScriptRunner host(String h) {
        this.host = h;
        return this;
    }

    public ScriptRunner var(String name, String value) {
        vars.put(name, value);
        return this;
    }

    public ScriptRunner timeout(Duration d) {
        this.timeout = d;
        return this;
    }

    /** The scripts under a test resource directory (e.g. "scripts/smtp"), sorted by name. */
    public static List<Path> scripts(String resourceDir) {
        try {
            var url = ScriptRunner.class.getClassLoader().getResource(resourceDir);
            if (url == null) {
                throw new IllegalArgumentException("no test resource directory " + resourceDir);
            }
            Path dir = Path.of(url.toURI());
            try (var s = Files.list(dir)) {
                return s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public String run(Path script) {
        try {
            return run(script.getFileName().toString(), Files.readString(script, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the script text; returns the transcript ("C: ", "S: " lines). */
    public String run(String name, String script) {
        String[] lines = script.split("\r?\n", -1);
        String source = null;
        String portName = ports.keySet().iterator().next();
        for (String l : lines) {
            String t = l.strip();
            if (t.startsWith("@source ")) {
                source = t.substring(8).strip();
            } else if (t.startsWith("@port ")) {
                portName = t.substring(6).strip();
            }
        }
        Integer port = ports.get(portName);
        if (port == null) {
            throw new IllegalArgumentException(name + ": no port named " + portName + " (have " + ports.keySet() + ")");
        }
        StringBuilder transcript = new StringBuilder();
        List<String> lastReply = List.of();
        try (SmtpClient c = SmtpClient.connect(host, port, source)) {
            c.setTimeout(timeout);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank() || line.startsWith("#") || line.startsWith("@")) {
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon < 1) {
                    throw new IllegalArgumentException(name + ":" + (i + 1) + ": not a directive: " + line);
                }
                String kind = line.substring(0, colon);
                String arg = line.substring(colon + 1);
                if (arg.startsWith(" ")) {
                    arg = arg.substring(1);
                }
                arg = substitute(arg);
                String where = name + ":" + (i + 1);
                switch (kind) {
                    case "C" -> {
                        transcript.append("C: ").append(arg).append('\n');
                        c.send(arg);
                    }
                    case "B" -> {
                        byte[] bytes = unescape(arg);
                        transcript.append("B: ").append(arg).append('\n');
                        c.raw(bytes);
                    }
                    case "S" -> {
                        String got = readLine(c, where, arg, transcript);
                        transcript.append("S: ").append(got).append('\n');
                        if (!matches(arg, got)) {
                            throw fail(where, arg, got, transcript);
                        }
                    }
                    case "R" -> {
                        List<String> reply = new ArrayList<>();
                        while (true) {
                            String got = readLine(c, where, arg, transcript);
                            transcript.append("S: ").append(got).append('\n');
                            reply.add(got);
                            if (got.length() < 4 || got.charAt(3) != '-') {
                                break;
                            }
                        }
                        lastReply = reply;
                        String last = reply.getLast();
                        if (!matches(arg, last)) {
                            throw fail(where, arg, last, transcript);
                        }
                    }
                    case "H" -> {
                        boolean found = false;
                        for (String r : lastReply) {
                            if (r.length() >= 4 && matches(arg, r.substring(4))) {
                                found = true;
                                break;
                            }
                        }
                        if (!found) {
                            throw fail(where, "a reply line matching " + arg, String.join(" | ", lastReply), transcript);
                        }
                    }
                    case "E" -> {
                        String more = readRest(c);
                        if (more != null) {
                            throw fail(where, "connection closed", more, transcript);
                        }
                        transcript.append("(closed)\n");
                    }
                    case "W" -> PostfixPeer.sleep(Long.parseLong(arg.strip()));
                    default -> throw new IllegalArgumentException(where + ": unknown directive " + kind + ":");
                }
            }
        }
        return transcript.toString();
    }

    private static String readLine(SmtpClient c, String where, String expected, StringBuilder transcript) {
        String got;
        try {
            got = c.readLine();
        } catch (UncheckedIOException e) {
            throw fail(where, expected, "(" + e.getCause() + ")", transcript);
        }
        if (got == null) {
            throw fail(where, expected, "(connection closed)", transcript);
        }
        return got;
    }

    /** Whatever the server still sends before closing, or null when it closes right away. */
    private static String readRest(SmtpClient c) {
        StringBuilder b = new StringBuilder();
        while (true) {
            String l;
            try {
                l = c.readLine();
            } catch (UncheckedIOException e) {
                // a reset counts as closed; a timeout means the server kept the connection open
                if (e.getCause() instanceof java.net.SocketTimeoutException) {
                    return b.isEmpty() ? "(still open)" : b.toString();
                }
                return b.isEmpty() ? null : b.toString();
            }
            if (l == null) {
                return b.isEmpty() ? null : b.toString();
            }
            b.append(l).append(" | ");
        }
    }

    private String substitute(String s) {
        for (Map.Entry<String, String> e : vars.entrySet()) {
            s = s.replace("${" + e.getKey() + "}", e.getValue());
        }
        return s;
    }

    /** Exact, prefix (trailing '*') or /regex/ (find). */
    public static boolean matches(String pattern, String got) {
        if (pattern.length() >= 2 && pattern.startsWith("/") && pattern.endsWith("/")) {
            return Pattern.compile(pattern.substring(1, pattern.length() - 1)).matcher(got).find();
        }
        if (pattern.endsWith("*")) {
            return got.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return got.equals(pattern);
    }

    /** Decodes \r \n \t \\ \xHH escapes into bytes (UTF-8 for the rest). */
    public static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 >= s.length()) {
                out.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '\\' -> out.write('\\');
                case 'x' -> {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + n + " in " + s);
            }
        }
        return out.toByteArray();
    }

    private static AssertionError fail(String where, String expected, String got, StringBuilder transcript) {
        return new AssertionError(where + ": expected " + expected + " but got " + got + "\n--- transcript ---\n"
                + transcript);
    }

    /** Reads a classpath resource as text (scripts can also be given inline). */
    public static String resource(String name) {
        try (InputStream in = ScriptRunner.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
