package org.postern.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testkit.PosternProcess;
import org.postern.testkit.PostgresServer;

/**
 * The directory verbs through the packaged application ({@code java -jar target/postern.jar},
 * what {@code ./postern} runs), with its real logging set-up: command output on stdout stays
 * clean for scripts, errors are one line on stderr.
 */
class DirectoryCliIT {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    Result postern(Path config, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", PosternProcess.jar().toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", config.toString()));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, err);
    }

    private Path config(String directorySection) throws IOException {
        Path conf = tmp.resolve("postern.toml");
        Files.writeString(conf, "[server]\ndata_directory = \"var\"\n\n[directory]\n" + directorySection);
        return conf;
    }

    private void session(Path conf) throws Exception {
        Result r = postern(conf, null, "domain", "add", "example.org", "--json");
        assertEquals(new Result(0, "{\"domain\":\"example.org\",\"added\":true}\n", ""), r);
        r = postern(conf, "correct horse\n", "user", "add", "alice@example.org", "--password-stdin");
        assertEquals(new Result(0, "user alice@example.org added\n", ""), r);
        r = postern(conf, null, "alias", "add", "info@example.org", "alice@example.org,bob@elsewhere.example");
        assertEquals(0, r.exit(), r.err());
        r = postern(conf, null, "lookup", "INFO+news@Example.org", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("{\"address\":\"info+news@example.org\",\"exists\":true,"
                + "\"mailboxes\":[{\"mailbox\":\"alice@example.org\",\"quota_bytes\":null}],"
                + "\"forwards\":[\"bob+news@elsewhere.example\"],\"reason\":null,\"trace\":["), r.out());
        assertEquals(1, r.out().lines().count(), "one JSON document, no log lines on stdout");
        assertEquals("", r.err());

        r = postern(conf, null, "lookup", "nobody@example.org");
        assertEquals(1, r.exit());
        assertTrue(r.out().endsWith("nobody@example.org: not found: nobody@example.org: no mailbox or alias for nobody@example.org\n"), r.out());

        r = postern(conf, "x\n", "user", "add", "alice@example.org", "--password-stdin");
        assertEquals(new Result(1, "", "postern: user alice@example.org already exists\n"), r);
        r = postern(conf, null, "domain", "remove", "example.org");
        assertEquals(new Result(1, "", "postern: domain example.org still has 1 user and 1 alias (use --force to remove them with it)\n"), r);
        r = postern(conf, null, "user", "list", "--json");
        assertEquals("{\"users\":[{\"user\":\"alice@example.org\",\"quota_bytes\":null,\"enabled\":true}]}\n", r.out());
        assertFalse(r.out().contains("correct horse") || r.err().contains("correct horse"));
    }

    @Test
    void embeddedSqlite() throws Exception {
        session(config("url = \"jdbc:sqlite:directory.db\"\n"));
        assertTrue(Files.exists(tmp.resolve("var/directory.db")));
    }

    @Tag("peers")
    @Test
    void postgresql() throws Exception {
        PostgresServer pg = PostgresServer.get();
        String db = pg.createDatabase("cli");
        pg.createOwner(db, db + "_o", "o-pw");
        session(config("url = \"" + pg.url(db) + "\"\nuser = \"" + db + "_o\"\npassword = \"o-pw\"\n"));
    }
}
