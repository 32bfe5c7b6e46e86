package org.postern.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;

/**
 * The real server as a subprocess, run from the packaged launcher ({@code java -jar
 * target/postern.jar}, with {@code target/lib} beside it) exactly as a user runs it:
 * {@code postern init DIR --hostname mail.test.local --domain test.local --port-offset N}, then
 * {@code postern serve --config DIR/postern.toml}. The port offset is chosen so every standard port
 * plus N is free. Output (stdout and stderr, across restarts) goes to {@code DIR/../serve.log}.
 *
 * <p>{@link #start()} waits for the 220 greeting on the SMTP port; {@link #kill()} is SIGKILL (the
 * crash test), {@link #stop()} is SIGTERM; the same directory can be started again. CLI verbs run
 * with {@link #cli(String...)} and {@link #cliWithInput(String, String...)}. Everything stops in {@link #close()} or a shutdown hook.
 */
public final class PosternProcess implements AutoCloseable {
    public static final String HOSTNAME = "mail.test.local";
    public static final String DOMAIN = "test.local";
    /** The standard ports {@code postern init} offsets: smtp, submission, submissions, imap, imaps, pop3, pop3s, lmtp. */
    private static final int[] STANDARD_PORTS = {25, 587, 465, 143, 993, 110, 995, 24, 80, 443};

    /** Result of a CLI run. */
    public record Result(int exit, String out, String err) {
        public Result ok() {
            Assertions.assertEquals(0, exit, "exit code; stdout: " + out + "\nstderr: " + err);
            return this;
        }
    }

    private final Path base;
    private final Path dir;
    private final Path logFile;
    private final int offset;
    private final List<String> jvmOptions = new ArrayList<>();
    private final Thread hook = new Thread(this::destroy, "stop postern");
    private Process process;

    private PosternProcess(Path base, int offset) {
        this.base = base;
        this.dir = base.resolve("postern");
        this.logFile = base.resolve("serve.log");
        this.offset = offset;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Runs {@code postern init} in a fresh temporary directory (nothing started yet). */
    public static PosternProcess init(String... extraInitArgs) {
        Path base;
        try {
            base = Files.createTempDirectory("postern-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int offset = freeOffset();
        PosternProcess p = new PosternProcess(base, offset);
        List<String> args = new ArrayList<>(List.of("init", p.dir.toString(), "--hostname", HOSTNAME,
                "--domain", DOMAIN, "--port-offset", Integer.toString(offset)));
        args.addAll(List.of(extraInitArgs));
        Result r = p.run(null, Duration.ofSeconds(120), false, args.toArray(String[]::new));
        if (r.exit() != 0) {
            throw new IllegalStateException("postern init failed (" + r.exit() + "): " + r.out() + r.err());
        }
        return p;
    }

    /** An offset N (10000..50000) such that every standard port + N is free on loopback and the wildcard address. */
    static int freeOffset() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int n = ThreadLocalRandom.current().nextInt(10_000, 50_000);
            boolean free = true;
            for (int sp : STANDARD_PORTS) {
                if (!portFree(sp + n)) {
                    free = false;
                    break;
                }
            }
            if (free) {
                return n;
            }
        }
        throw new IllegalStateException("no free port offset found");
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port)); // the wildcard, as the server binds it
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path directory() {
        return dir;
    }

    public Path configFile() {
        return dir.resolve("postern.toml");
    }

    public Path logFile() {
        return logFile;
    }

    public int portOffset() {
        return offset;
    }

    /** The port of a listener from the config's [listen] section (e.g. "smtp", "lmtp", "submission"). */
    public int port(String listener) {
        String v = readSetting("listen", listener);
        if (v != null) {
            Matcher m = Pattern.compile(":(\\d+)$").matcher(v);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return switch (listener) {
            case "smtp" -> 25 + offset;
            case "submission" -> 587 + offset;
            case "submissions" -> 465 + offset;
            case "imap" -> 143 + offset;
            case "imaps" -> 993 + offset;
            case "pop3" -> 110 + offset;
            case "pop3s" -> 995 + offset;
            case "lmtp" -> 24 + offset;
            default -> throw new IllegalArgumentException("no listener " + listener + " in " + configFile());
        };
    }

    public int smtpPort() {
        return port("smtp");
    }

    public int lmtpPort() {
        return port("lmtp");
    }

    /** The Maildir of a user: {@code DIR/mail/DOMAIN/LOCAL} (the default mail_location template). */
    public Path maildir(String address) {
        int at = address.lastIndexOf('@');
        return dir.resolve("mail").resolve(address.substring(at + 1)).resolve(address.substring(0, at));
    }

    /** Files in the user's {@code new/}. */
    public List<Path> newMessages(String address) {
        Path n = maildir(address).resolve("new");
        if (!Files.isDirectory(n)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(n)) {
            return s.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Waits until the user's {@code new/} holds at least {@code count} messages; returns them. */
    public List<Path> awaitMessages(String address, int count, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        List<Path> got = newMessages(address);
        while (got.size() < count) {
            if (System.nanoTime() > end) {
                Assertions.fail(address + " has " + got.size() + " messages in " + maildir(address) + "/new, wanted "
                        + count + "\n--- server log (tail) ---\n" + logTail(60));
            }
            PostfixPeer.sleep(50);
            got = newMessages(address);
        }
        return got;
    }

    /** Extra JVM options for the server process (e.g. "-Xlog:gc:file=..."). */
    public PosternProcess jvmOptions(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /**
     * Sets {@code key = "value"} in section [section] of the config file: replaces the line (commented
     * or not) or adds it; takes effect at the next start.
     */
    public PosternProcess set(String section, String key, String value) {
        try {
            Path f = configFile();
            List<String> lines = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
            String assignment = key + " = " + quote(value);
            int start = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("[" + section + "]")) {
                    start = i;
                    break;
                }
            }
            if (start < 0) {
                lines.add("");
                lines.add("[" + section + "]");
                lines.add(assignment);
            } else {
                Pattern keyLine = Pattern.compile("^#?\\s*" + Pattern.quote(key) + "\\s*=");
                int end = lines.size();
                for (int i = start + 1; i < lines.size(); i++) {
                    if (lines.get(i).strip().startsWith("[")) {
                        end = i;
                        break;
                    }
                }
                int found = -1;
                for (int i = start + 1; i < end; i++) {
                    if (keyLine.matcher(lines.get(i)).find()) {
                        found = i;
                        if (!lines.get(i).startsWith("#")) {
                            break;
                        }
                    }
                }
                if (found >= 0) {
                    lines.set(found, assignment);
                } else {
                    lines.add(start + 1, assignment);
                }
            }
            Files.write(f, lines, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of an uncommented {@code key = "..."} in [section], or null. */
    public String readSetting(String section, String key) {
        try {
            String cur = null;
            Pattern kv = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
            for (String l : Files.readAllLines(configFile(), StandardCharsets.UTF_8)) {
                String t = l.strip();
                if (t.startsWith("[") && t.endsWith("]")) {
                    cur = t.substring(1, t.length() - 1).strip();
                    continue;
                }
                if (section.equals(cur)) {
                    Matcher m = kv.matcher(l);
                    if (m.find()) {
                        return m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
                    }
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Starts {@code postern serve} and waits for the 220 greeting on the SMTP port. */
    public synchronized PosternProcess start() {
        return start(Duration.ofSeconds(60));
    }

    public synchronized PosternProcess start(Duration timeout) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> cmd = javaCommand();
        cmd.addAll(List.of("serve", "--config", configFile().toString()));
        try {
            Files.writeString(logFile, "=== start " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            pb.environment().put("POSTERN_CONFIG", configFile().toString());
            process = pb.start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long end = System.nanoTime() + timeout.toNanos();
        int port = smtpPort();
        String last = "";
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                Assertions.fail("postern serve exited with " + process.exitValue() + " before answering on port " + port
                        + "\n--- log ---\n" + logTail(80));
            }
            try {
                SmtpClient.awaitGreeting("127.0.0.1", port, Duration.ofMillis(300));
                return this;
            } catch (IllegalStateException e) {
                last = e.getMessage();
            }
        }
        destroy();
        Assertions.fail("postern serve did not greet on " + port + " within " + timeout + ": " + last + "\n--- log ---\n"
                + logTail(80));
        return this;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL: the crash test's kill -9. Returns after the process is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(30));
    }

    /** SIGTERM: a clean stop. Returns the exit code (fails if it takes longer than 30 s). */
    public synchronized int stop() {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!waitGone(Duration.ofSeconds(30))) {
            process.destroyForcibly();
            waitGone(Duration.ofSeconds(10));
            Assertions.fail("postern serve did not stop within 30 s of SIGTERM\n" + logTail(40));
        }
        return process.exitValue();
    }

    /** Stops (SIGTERM) if running, then starts again on the same directory. */
    public synchronized PosternProcess restart() {
        if (running()) {
            stop();
        }
        return start();
    }

    private boolean waitGone(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs a CLI verb against this instance's config ({@code POSTERN_CONFIG}); {@code stdin} may be null. */
    public Result cliWithInput(String stdin, String... args) {
        return run(stdin, Duration.ofSeconds(120), true, args);
    }

    /** Runs a CLI verb with no input. */
    public Result cli(String... args) {
        return cliWithInput(null, args);
    }

    /** {@code postern user add ADDRESS --password-stdin}, asserting success. */
    public void addUser(String address, String password) {
        cliWithInput(password + "\n", "user", "add", address, "--password-stdin").ok();
    }

    private Result run(String stdin, Duration timeout, boolean withConfig, String... args) {
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(base.toFile());
            if (withConfig) {
                pb.environment().put("POSTERN_CONFIG", configFile().toString());
            }
            Path out = Files.createTempFile(base, "cli-", ".out");
            Path err = Files.createTempFile(base, "cli-", ".err");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: postern " + String.join(" ", args));
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code JAVA -jar target/postern.jar} with the launcher's JVM flags. */
    private List<String> javaCommand() {
        Path jar = jar();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        return cmd;
    }

    /** The packaged launcher jar (system property postern.jar, set by failsafe; else ./target/postern.jar). */
    public static Path jar() {
        String p = System.getProperty("postern.jar");
        Path jar = p != null ? Path.of(p) : Path.of("target", "postern.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            Assertions.fail("no packaged server at " + jar + ": run the end-to-end tests with 'mvn verify'");
        }
        return jar;
    }

    /** The whole server log so far (all runs). */
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public String logTail(int lines) {
        String[] all = log().split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
            b.append(all[i]).append('\n');
        }
        return b.toString();
    }

    /** Log lines (all runs) matching {@code regex}. */
    public List<String> logLines(String regex) {
        Pattern p = Pattern.compile(regex);
        List<String> out = new ArrayList<>();
        for (String l : log().split("\n")) {
            if (p.matcher(l).find()) {
                out.add(l);
            }
        }
        return out;
    }

    /** Waits until at least {@code count} log lines match. */
    public List<String> awaitLog(String regex, int count, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> got = logLines(regex);
        while (got.size() < count) {
            if (System.nanoTime() > end) {
                Assertions.fail("server log has " + got.size() + " lines matching /" + regex + "/, wanted " + count
                        + "\n--- log (tail) ---\n" + logTail(60));
            }
            PostfixPeer.sleep(50);
            got = logLines(regex);
        }
        return got;
    }

    /** Peak resident set size (VmHWM, KiB) of the running server, from /proc. */
    public long peakRssKib() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private synchronized void destroy() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitGone(Duration.ofSeconds(15));
            if (process.isAlive()) {
                process.destroyForcibly();
                waitGone(Duration.ofSeconds(10));
            }
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL) and deletes the directory unless POSTERN_KEEP_TMP=1. */
    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down: the hook does the stopping
        }
        if (!"1".equals(System.getenv("POSTERN_KEEP_TMP"))) {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
