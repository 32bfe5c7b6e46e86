package org.postern.core.config;

import java.nio.file.Path;

/**
 * One problem in a configuration: where (file and line; line 0 when unknown), which key (null for
 * a problem of the whole file, e.g. a syntax error) and what. Printed as
 * {@code file:line: key: message}, the shape {@code postfix check} and compilers use.
 *
 * @param key "section.name" for a global setting, "listen.NAME.name" for a listener's override,
 *            "[section]" for a section; null when no key applies
 */
public record ConfigError(Path file, int line, String key, String message) {
    public ConfigError {
        java.util.Objects.requireNonNull(message);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(line > 0 ? ":" + line : "").append(": ");
        }
        if (key != null) {
            sb.append(key).append(": ");
        }
        return sb.append(message).toString();
    }
}
