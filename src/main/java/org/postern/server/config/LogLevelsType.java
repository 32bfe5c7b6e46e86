package org.postern.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postern.core.config.SettingType;

/**
 * The value of {@code [log] levels}: "component=level" entries separated by commas and/or spaces
 * (spaces around '=' allowed), normalised to a list of "component=level" with lower-case levels.
 * Validated at load, so {@code config check} names the file, line and key of a bad entry.
 */
final class LogLevelsType implements SettingType<List<String>> {
    static final LogLevelsType INSTANCE = new LogLevelsType();
    static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace", "off");
    private static final Pattern ENTRY = Pattern.compile("([A-Za-z0-9_.\\-/]+)\\s*=\\s*([A-Za-z]+)");

    private LogLevelsType() {
    }

    @Override
    public List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = ENTRY.matcher(text);
        int pos = 0;
        while (m.find()) {
            checkGap(text.substring(pos, m.start()));
            String level = m.group(2).toLowerCase(Locale.ROOT);
            if (level.equals("warning")) {
                level = "warn";
            }
            if (!LEVELS.contains(level)) {
                throw new IllegalArgumentException("unknown level '" + m.group(2) + "' for " + m.group(1)
                        + " (use error, warn, info, debug, trace or off)");
            }
            out.add(m.group(1) + "=" + level);
            pos = m.end();
        }
        checkGap(text.substring(pos));
        return List.copyOf(out);
    }

    private static void checkGap(String between) {
        if (!between.replace(",", " ").isBlank()) {
            throw new IllegalArgumentException("expected component=level entries such as 'smtpd=debug, directory=warn', got '"
                    + between.strip() + "'");
        }
    }

    @Override
    public String describe() {
        return "list of component=level";
    }

    @Override
    public String format(List<String> value) {
        return String.join(", ", value);
    }
}
