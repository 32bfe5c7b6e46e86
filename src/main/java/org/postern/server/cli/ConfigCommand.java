package org.postern.server.cli;

import java.util.concurrent.Callable;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code postern config check|show}: like {@code postfix check} and {@code postconf [-n]}. */
@Command(name = "config", description = "Check or show the configuration.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
public final class ConfigCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    @Command(name = "check", description = "Validate the configuration file (exit 1 with file:line: key: problem).")
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            // every problem at once: the file's (syntax, keys, values) and what only the
            // components can check (restrictions, tables, addresses, certificates), for every listener
            ConfigOption.Checked checked = config.check();
            if (!checked.errors().isEmpty()) {
                throw new CliException(String.join("\n", checked.errors().stream().map(Object::toString).toList()));
            }
            System.out.println("postern: " + checked.config().file() + ": configuration is valid");
            return 0;
        }
    }

    @Command(name = "show", description = "Print settings that differ from the default (like postconf -n); --all for every setting (like postconf).")
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--all", description = "show every setting, with defaults and descriptions")
        boolean all;

        @Override
        public Integer call() {
            Config c = config.load();
            String section = null;
            for (Setting<?> s : c.registry().values()) {
                if (!all && !c.isExplicit(s)) {
                    continue;
                }
                if (s.section().equals("listen") && Config.LISTENERS.contains(s.name()) && !c.overrides(s.name()).values().isEmpty()) {
                    continue; // printed as the address of its [listen.NAME] table below
                }
                if (!s.section().equals(section)) {
                    section = s.section();
                    System.out.println((all ? "\n" : "") + "[" + section + "]");
                }
                if (all) {
                    System.out.println("# " + s.description() + " (" + s.type().describe() + ", default: " + quote(s.defaultText()) + ")");
                }
                System.out.println(s.name() + " = " + quote(format(c, s)));
            }
            // the listeners' overrides, as postconf -P prints master.cf's -o (service/type/name = value)
            for (String listener : Config.LISTENERS) {
                var o = c.overrides(listener);
                if (o.values().isEmpty()) {
                    continue;
                }
                System.out.println((all ? "\n" : "") + "[listen." + listener + "]");
                Config view = c.forListener(listener);
                Setting<?> address = c.registry().get("listen." + listener);
                if (all || c.isExplicit(address)) {
                    System.out.println("address = " + quote(format(c, address)));
                }
                for (Setting<?> s : c.registry().values()) {
                    if (o.values().containsKey(s.key())) {
                        if (all) {
                            System.out.println("# " + s.description() + " (global: " + quote(format(c, s)) + ")");
                        }
                        System.out.println(s.name() + " = " + quote(format(view, s)));
                    }
                }
            }
            return 0;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static String format(Config c, Setting s) {
            return s.type().format(c.get(s));
        }

        private static String quote(String v) {
            return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }
}
