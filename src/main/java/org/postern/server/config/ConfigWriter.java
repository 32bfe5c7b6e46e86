package org.postern.server.config;

import java.util.Collection;
import java.util.Map;
import org.postern.core.config.Setting;

/**
 * Writes a complete, commented TOML configuration: every setting appears under its section with
 * its description and default; the given values are set, the rest stay commented out so the
 * defaults in code apply (and improve with upgrades).
 */
public final class ConfigWriter {
    private ConfigWriter() {
    }

    private static final String LISTENER_TABLES = """
            # A listener may override [smtpd] and [tls] settings (Postfix's master.cf -o): remove its line
            # here and write it as a table at the end of the file, e.g.
            #   [listen.smtp]
            #   address = "*:25"
            #   smtpd_helo_required = "yes"
            """;

    public static String render(Collection<Setting<?>> registry, Map<String, String> values, String header) {
        StringBuilder sb = new StringBuilder();
        for (String line : header.split("\n")) {
            sb.append("# ").append(line).append('\n');
        }
        String section = null;
        for (Setting<?> s : registry) {
            if (!s.section().equals(section)) {
                section = s.section();
                sb.append("\n[").append(section).append("]\n");
                if (section.equals("listen")) {
                    sb.append(LISTENER_TABLES);
                }
            }
            sb.append("# ").append(s.description()).append(" (").append(s.type().describe()).append(")\n");
            String v = values.get(s.key());
            if (v != null) {
                sb.append(s.name()).append(" = ").append(quote(v)).append('\n');
            } else {
                sb.append("#").append(s.name()).append(" = ").append(quote(s.defaultText())).append('\n');
            }
        }
        return sb.toString();
    }

    /** A TOML basic string. */
    public static String quote(String v) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
