package org.postern.server.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;

/**
 * Randomly damaged configuration files (characters dropped, inserted or swapped, lines duplicated
 * or moved, values replaced by other values' text): loading either succeeds or fails with problems
 * that each name the file and say something, and what loads passes or fails the start-up checks
 * with a message; no other exception escapes, so
 * {@code postern config check} and {@code serve} always print a precise error, never a stack trace.
 */
class ConfigFuzzTest {
    private static final Path FILE = Path.of("/etc/postern/postern.toml");

    /** Every setting written out explicitly with its default, as a user would edit it. */
    private static String fullConfig() {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (Setting<?> s : AllSettings.list()) {
            values.put(s.key(), s.type().format(castDefault(s)));
        }
        values.remove(ServerSettings.SUBMISSION.key()); // written as a table of overrides below
        return ConfigWriter.render(AllSettings.list(), values, "fuzz") + """

                [listen.submission]
                address = "*:587"
                smtpd_helo_required = "no"
                smtpd_recipient_restrictions = "permit_mynetworks, reject_unauth_destination"
                [listen.submission.tls]
                protocols = "TLSv1.3"
                [listen.lmtp.smtpd]
                message_size_limit = "100m"
                """;
    }

    @SuppressWarnings("unchecked")
    private static <T> T castDefault(Setting<?> s) {
        return (T) s.defaultValue();
    }

    private static final String[] TOKENS = {"\"", "'", "[", "]", "=", "#", "\n", "\"\"\"", "[[x]]", "\\", "0", "-1", "yes", "no",
        "true", "1e99", "99999999999999999999", "\"10 MiB\"", "\"5d\"", "\"*:25\"", "\"[::1]:0\"", "\"permit_mynetworks, bogus\"",
        "\"cidr:/nonexistent\"", "\u0000", "\u00e9", "{", "}", "[server]", "[nosuch]", "x.y.z = 1", "= \"\"",
        "[listen.smtp]", "[listen.imap]", "[listen.lmtp.queue]", "queue_directory = \"x\"", "address = 25", "smtpd_helo_required = 1"};

    private static String mutate(String text, Random r) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int edits = 1 + r.nextInt(6);
        for (int e = 0; e < edits; e++) {
            int i = r.nextInt(lines.size());
            String l = lines.get(i);
            switch (r.nextInt(6)) {
                case 0 -> { // drop a character
                    if (!l.isEmpty()) {
                        int p = r.nextInt(l.length());
                        lines.set(i, l.substring(0, p) + l.substring(p + 1));
                    }
                }
                case 1 -> { // insert a token
                    int p = l.isEmpty() ? 0 : r.nextInt(l.length() + 1);
                    lines.set(i, l.substring(0, p) + TOKENS[r.nextInt(TOKENS.length)] + l.substring(p));
                }
                case 2 -> lines.add(r.nextInt(lines.size() + 1), l); // duplicate a line
                case 3 -> { // move a line
                    String moved = lines.remove(i);
                    lines.add(r.nextInt(lines.size() + 1), moved);
                }
                case 4 -> { // uncomment a commented default and give it another line's value
                    if (l.startsWith("#") && l.contains(" = ")) {
                        String other = lines.get(r.nextInt(lines.size()));
                        String value = other.contains(" = ") ? other.substring(other.indexOf(" = ") + 3) : TOKENS[r.nextInt(TOKENS.length)];
                        lines.set(i, l.substring(1, l.indexOf(" = ") + 3) + value);
                    }
                }
                default -> lines.set(i, TOKENS[r.nextInt(TOKENS.length)]); // replace a line
            }
        }
        return String.join("\n", lines);
    }

    @Test
    void damagedFilesGivePreciseProblemsNeverOtherExceptions() {
        String base = fullConfig();
        ConfigLoader loader = ConfigLoader.standard();
        int failed = 0;
        for (long seed = 1; seed <= 3000; seed++) {
            String text = mutate(base, new Random(seed));
            try {
                Config c = loader.parse(FILE, text);
                // what loads must also answer every key, and the checks 'config check' and start-up make
                // beyond syntax (restriction lists, tables, listeners, DNS servers) refuse it cleanly
                for (Setting<?> s : AllSettings.list()) {
                    c.get(s);
                }
                try {
                    org.postern.server.Assembly.validate(c);
                } catch (org.postern.server.Assembly.StartupException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "seed " + seed + ": an empty start-up error");
                }
            } catch (ConfigLoader.ConfigException e) {
                failed++;
                assertFalse(e.problems().isEmpty(), "seed " + seed + ": a ConfigException without problems");
                for (org.postern.core.config.ConfigError p : e.problems()) {
                    assertTrue(p.message() != null && !p.message().isBlank(), "seed " + seed + ": a problem without a message");
                    assertTrue(p.toString().startsWith(FILE.toString()), "seed " + seed + ": the problem names the file: " + p);
                }
            } catch (RuntimeException e) {
                fail("seed " + seed + ": " + e + " escaped for:\n" + text, e);
            }
            // config check's path: the lenient load always yields a config whose views resolve,
            // and the component checks report typed problems, never an exception
            try {
                ConfigLoader.Loaded l = loader.parseAll(FILE, text);
                for (String listener : Config.LISTENERS) {
                    Config view = l.config().forListener(listener);
                    for (Setting<?> s : AllSettings.list()) {
                        view.get(s);
                    }
                }
                for (org.postern.core.config.ConfigError p : org.postern.server.Assembly.check(l.config())) {
                    assertTrue(p.toString().startsWith(FILE.toString()), "seed " + seed + ": the problem names the file: " + p);
                }
            } catch (RuntimeException e) {
                fail("seed " + seed + ": " + e + " escaped config check for:\n" + text, e);
            }
        }
        assertTrue(failed > 1000, "most damaged files are refused: " + failed);
    }
}
