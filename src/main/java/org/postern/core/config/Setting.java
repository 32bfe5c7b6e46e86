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

    private Setting(String section, String name, SettingType<T> type, String defaultText, String description) {
        this.section = Objects.requireNonNull(section);
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
        this.defaultText = Objects.requireNonNull(defaultText);
        this.description = Objects.requireNonNull(description);
        type.parse(defaultText); // defaults must be valid
    }

    public static <T> Setting<T> of(String section, String name, SettingType<T> type, String defaultText, String description) {
        return new Setting<>(section, name, type, defaultText, description);
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

        public Group(String section) {
            this.section = section;
        }

        public <T> Setting<T> add(String name, SettingType<T> type, String defaultText, String description) {
            Setting<T> s = Setting.of(section, name, type, defaultText, description);
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
