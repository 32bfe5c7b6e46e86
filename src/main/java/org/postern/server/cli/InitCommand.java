package org.postern.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern init DIR --hostname H [--domain D] [--port-offset N] [--dns HOST[:PORT]]...}. */
@Command(name = "init", description = "Write a complete, commented configuration and data layout under DIR.")
public final class InitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "directory for the configuration and data")
    Path dir;

    @Option(names = "--hostname", required = true, paramLabel = "HOST", description = "this server's fully-qualified host name")
    String hostname;

    @Option(names = "--domain", paramLabel = "DOMAIN", description = "a first mail domain to create")
    String domain;

    @Option(names = "--port-offset", paramLabel = "N", defaultValue = "0",
            description = "add N to every standard port (25, 587, 465, 143, 993, 110, 995, 24)")
    int portOffset;

    @Option(names = "--dns", paramLabel = "HOST[:PORT]", description = "DNS resolver to use instead of the system's (repeatable)")
    List<String> dns = new ArrayList<>();

    @Override
    public Integer call() {
        for (String d : dns) {
            HostPort.parse(d, 53, "--dns");
        }
        Path conf = Initializer.init(new Initializer.Options(dir, hostname, domain, portOffset, dns), System.out);
        System.out.println("postern: start it with: " + Invocation.command() + " serve --config " + conf);
        return 0;
    }
}
