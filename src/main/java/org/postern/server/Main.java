package org.postern.server;

import org.postern.server.cli.CliException;
import org.postern.server.cli.ConfigCommand;
import org.postern.server.cli.InitCommand;
import org.postern.server.cli.ServeCommand;
import org.postern.server.cli.DirectoryCommands;
import org.postern.server.cli.PwCommand;
import org.postern.server.cli.QueueCommands;
import org.postern.server.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code postern} command line. Subcommands are registered in {@link #cli()}. */
@Command(name = "postern", mixinStandardHelpOptions = true, version = "postern 0.1.0",
        description = "Postern: a complete, secure mail server in one process.")
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = cli();
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CliException ce) {
                cmd.getErr().println("postern: " + ce.getMessage());
                return ce.exitCode();
            }
            cmd.getErr().println("postern: internal error: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 2;
        });
        return cl.execute(args);
    }

    /** The command tree; each component adds its commands here. */
    public static CommandLine cli() {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new InitCommand());
        cl.addSubcommand(new ServeCommand());
        cl.addSubcommand(new ConfigCommand());
        cl.addSubcommand(new PwCommand());
        DirectoryCommands.addTo(cl);
        cl.addSubcommand(new QueueCommands());
        cl.addSubcommand(new TrainCommand());
        helpEverywhere(cl);
        return cl;
    }

    /** {@code -h/--help} and {@code -V/--version} on every subcommand, as on the top command. */
    private static void helpEverywhere(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().mixinStandardHelpOptions()) {
                sub.getCommandSpec().mixinStandardHelpOptions(true);
            }
            helpEverywhere(sub);
        }
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
