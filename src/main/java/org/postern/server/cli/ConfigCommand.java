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
            Config c = config.load();
            try {
                org.postern.server.Assembly.validate(c);
            } catch (org.postern.server.Assembly.StartupException e) {
                throw new CliException(e.getMessage());
            }
            System.out.println("postern: " + c.file() + ": configuration is valid");
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
                if (!s.section().equals(section)) {
                    section = s.section();
                    System.out.println((all ? "\n" : "") + "[" + section + "]");
                }
                if (all) {
                    System.out.println("# " + s.description() + " (" + s.type().describe() + ", default: " + quote(s.defaultText()) + ")");
                }
                System.out.println(s.name() + " = " + quote(format(c, s)));
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
