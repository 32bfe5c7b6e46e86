package org.postern.server.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postern.core.Address;
import org.postern.core.config.Setting;
import org.postern.server.config.AllSettings;
import org.postern.server.config.ConfigWriter;
import org.postern.server.config.ServerSettings;
import org.postern.server.tls.SelfSignedCertificate;

/**
 * Creates a complete configuration and data layout: config file, Maildir root, spool, runtime
 * directory, self-signed certificate, and the embedded directory database (with a first domain).
 */
public final class Initializer {
    public static final String CONFIG_NAME = "postern.toml";

    /** Standard ports of each listener (before the offset). */
    static final Map<Setting<String>, String> LISTENERS = new LinkedHashMap<>();

    static {
        LISTENERS.put(ServerSettings.SMTP, "*:25");
        LISTENERS.put(ServerSettings.SUBMISSION, "*:587");
        LISTENERS.put(ServerSettings.SUBMISSIONS, "*:465");
        LISTENERS.put(ServerSettings.IMAP, "*:143");
        LISTENERS.put(ServerSettings.IMAPS, "*:993");
        LISTENERS.put(ServerSettings.POP3, "*:110");
        LISTENERS.put(ServerSettings.POP3S, "*:995");
        LISTENERS.put(ServerSettings.LMTP, "127.0.0.1:24");
    }

    public record Options(Path dir, String hostname, String domain, int portOffset, List<String> dns) {
    }

    private Initializer() {
    }

    public static Path init(Options o, PrintStream out) {
        String host;
        try {
            host = Address.normaliseDomain(o.hostname());
        } catch (IllegalArgumentException e) {
            throw new CliException("--hostname " + o.hostname() + " is not a valid host name");
        }
        String domain = null;
        if (o.domain() != null) {
            try {
                domain = Address.normaliseDomain(o.domain());
            } catch (IllegalArgumentException e) {
                throw new CliException("--domain " + o.domain() + " is not a valid domain");
            }
        }
        if (o.portOffset() < 0 || o.portOffset() + 995 > 65535) {
            throw new CliException("--port-offset must be between 0 and " + (65535 - 995));
        }
        Path dir = o.dir().toAbsolutePath().normalize();
        Path conf = dir.resolve(CONFIG_NAME);
        if (Files.exists(conf)) {
            throw new CliException(conf + " already exists; refusing to overwrite an existing configuration");
        }
        try {
            Files.createDirectories(dir);
            for (String sub : List.of("mail", "spool", "run")) {
                Files.createDirectories(dir.resolve(sub));
            }
            Path tls = dir.resolve("tls");
            Files.createDirectories(tls);
            restrict(tls, "rwx------");

            Map<String, String> values = new LinkedHashMap<>();
            values.put(ServerSettings.MYHOSTNAME.key(), host);
            values.put(ServerSettings.DATA_DIRECTORY.key(), ".");
            if (!o.dns().isEmpty()) {
                values.put(ServerSettings.DNS_SERVERS.key(), String.join(", ", o.dns()));
            }
            for (var e : LISTENERS.entrySet()) {
                String[] hp = e.getValue().split(":");
                values.put(e.getKey().key(), hp[0] + ":" + (Integer.parseInt(hp[1]) + o.portOffset()));
            }
            String header = """
                    Postern configuration, written by 'postern init' for %s.
                    Every setting is listed with its description; commented-out lines show the default
                    that applies. Check changes with 'postern config check', list them with 'postern config show'.
                    Relative paths are relative to this file's directory.""".formatted(host);
            String text = ConfigWriter.render(AllSettings.list(), values, header);
            Path tmp = dir.resolve(CONFIG_NAME + ".tmp");
            Files.writeString(tmp, text);
            restrict(tmp, "rw-r-----");
            Files.move(tmp, conf, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

            List<String> names = new ArrayList<>(List.of(host));
            if (domain != null && !domain.equals(host)) {
                names.add(domain);
            }
            SelfSignedCertificate.write(host, names.subList(1, names.size()), tls.resolve("cert.pem"), tls.resolve("key.pem"));
        } catch (IOException e) {
            throw new CliException("cannot initialise " + dir + ": " + e.getMessage());
        }
        initialiseDirectory(conf, domain, out);
        // The embedded database holds password hashes: owner-only.
        for (String secret : List.of("directory.db", "directory.db-wal", "directory.db-shm")) {
            if (Files.exists(dir.resolve(secret))) {
                restrict(dir.resolve(secret), "rw-------");
            }
        }
        out.println("postern: initialised " + dir + " (configuration " + conf + ")");
        return conf;
    }

    /** Creates (migrates) the directory of a new installation and adds its first domain. */
    private static void initialiseDirectory(Path conf, String domain, PrintStream out) {
        org.postern.core.config.Config config;
        try {
            config = org.postern.server.config.ConfigLoader.standard().load(conf);
        } catch (Exception e) {
            throw new CliException("cannot read the configuration just written: " + e.getMessage());
        }
        if (domain == null) {
            DirectoryCommands.open(config).close();
            return;
        }
        DirectoryCommands.admin(config, d -> {
            d.addDomain(domain);
            return null;
        });
        out.println("postern: domain " + domain + " added");
    }

    static void restrict(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX filesystem: nothing more we can do
        }
    }
}
