package org.postern.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One configuration key: its section (component), name (Postfix/Dovecot name where one exists),
 * type, default (as text, parsed like a file value) and one-line description.
 * Components declare their settings as constants in a {@code *Settings} class.
 */
public final class Setting<T> {
    private final String section;
    private final String name;
    private final SettingType<T> type;
    private final String defaultText;
    private final String description;
    private final boolean perListener;

    private Setting(String section, String name, SettingType<T> type, String defaultText, String description, boolean perListener) {
        this.section = Objects.requireNonNull(section);
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
        this.defaultText = Objects.requireNonNull(defaultText);
        this.description = Objects.requireNonNull(description);
        this.perListener = perListener;
        type.parse(defaultText); // defaults must be valid
    }

    public static <T> Setting<T> of(String section, String name, SettingType<T> type, String defaultText, String description) {
        return new Setting<>(section, name, type, defaultText, description, false);
    }

    /**
     * Whether a listener section ({@code [listen.smtp]}, {@code [listen.lmtp]}...) may override
     * this setting, as Postfix's {@code master.cf -o}: true for what one SMTP engine reads per
     * listener (smtpd, restriction, TLS and limit settings), false for what exists once per process
     * (queue, directory, store, log, DNS, the anvil's time unit).
     */
    public boolean perListener() {
        return perListener;
    }

    public String section() {
        return section;
    }

    public String name() {
        return name;
    }

    /** "section.name". */
    public String key() {
        return section + "." + name;
    }

    public SettingType<T> type() {
        return type;
    }

    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    public T defaultValue() {
        return type.parse(defaultText);
    }

    @Override
    public String toString() {
        return key();
    }

    /** Collects a component's settings in declaration order. */
    public static final class Group {
        private final String section;
        private final List<Setting<?>> settings = new ArrayList<>();
        private final boolean perListener;

        /** A group of process-wide settings (no listener may override them). */
        public Group(String section) {
            this(section, false);
        }

        /**
         * @param perListener whether the group's settings may be overridden per listener (see
         *                    {@link Setting#perListener()}); {@link #addGlobal} makes exceptions
         */
        public Group(String section, boolean perListener) {
            this.section = section;
            this.perListener = perListener;
        }

        public <T> Setting<T> add(String name, SettingType<T> type, String defaultText, String description) {
            return add(name, type, defaultText, description, perListener);
        }

        /** A process-wide setting in a per-listener group. */
        public <T> Setting<T> addGlobal(String name, SettingType<T> type, String defaultText, String description) {
            return add(name, type, defaultText, description, false);
        }

        private <T> Setting<T> add(String name, SettingType<T> type, String defaultText, String description, boolean listener) {
            Setting<T> s = new Setting<>(section, name, type, defaultText, description, listener);
            settings.add(s);
            return s;
        }

        public String section() {
            return section;
        }

        public List<Setting<?>> settings() {
            return Collections.unmodifiableList(settings);
        }
    }
}
