package org.postern.core.config;

import java.util.Objects;

/**
 * A setting's value is valid for its type but not for the component reading it (a restriction
 * that does not exist, a table file that does not parse, a reply code out of range). Thrown by a
 * component's {@code fromConfig}/{@code validate}; the caller turns it into a {@link ConfigError}
 * located at the setting's file and line with {@link Config#error(SettingException)}, from the
 * key it carries, never by reading the message.
 *
 * <p>{@link #getMessage()} is "key: detail", so callers that print it as before keep their text.
 */
public final class SettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String detail;

    public SettingException(Setting<?> setting, String detail) {
        this(setting, detail, null);
    }

    public SettingException(Setting<?> setting, String detail, Throwable cause) {
        super(setting.key() + ": " + detail, cause);
        this.key = setting.key();
        this.detail = Objects.requireNonNull(detail);
    }

    /** "section.name" of the setting at fault. */
    public String key() {
        return key;
    }

    /** The problem, without the key. */
    public String detail() {
        return detail;
    }
}
