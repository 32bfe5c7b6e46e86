package org.postern.server.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postern.core.Address;
import org.postern.core.config.Config;
import org.postern.core.config.SettingType;
import org.postern.directory.Directory;
import org.postern.directory.DirectoryAdmin;
import org.postern.directory.DirectoryAdmin.AdminException;
import org.postern.directory.DirectorySettings;
import org.postern.directory.SqlDirectory;
import org.postern.directory.password.Passwords;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The directory's admin verbs (like the seed's {@code mailctl} and {@code postmap -q}):
 * {@code postern domain|user|alias ...} and {@code postern lookup ADDRESS}. Every verb takes
 * {@code --config FILE} and {@code --json}; errors are one line on stderr with exit code 1.
 */
public final class DirectoryCommands {
    private DirectoryCommands() {
    }

    /** Adds the verbs to the {@code postern} command line. */
    public static void addTo(CommandLine cl) {
        cl.addSubcommand(new DomainCommand());
        cl.addSubcommand(new UserCommand());
        cl.addSubcommand(new AliasCommand());
        cl.addSubcommand(new LookupCommand());
    }

    /** Opens the configured directory; configuration and connection problems become one-line errors. */
    static SqlDirectory open(Config c) {
        try {
            return SqlDirectory.open(c, DataLayout.of(c).dataDir());
        } catch (IllegalArgumentException e) {
            throw new CliException("directory: " + e.getMessage());
        } catch (Directory.DirectoryUnavailableException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Runs an admin action, turning refusals and outages into CLI errors. */
    static <T> T admin(Config c, java.util.function.Function<SqlDirectory, T> action) {
        try (SqlDirectory d = open(c)) {
            return action.apply(d);
        } catch (AdminException e) {
            throw new CliException(e.getMessage());
        } catch (Directory.DirectoryUnavailableException e) {
            throw new CliException(e.getMessage());
        }
    }

    static Address address(String text) {
        try {
            return Address.parse(text.strip());
        } catch (Address.InvalidAddressException e) {
            throw new CliException("'" + org.postern.core.Texts.safe(text, 100) + "' is not a valid address: " + e.getMessage());
        }
    }

    /** Options every verb shares. */
    abstract static class Verb implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "machine-readable output (one JSON document)")
        boolean json;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        void done(String text, Map<String, Object> jsonValue) {
            if (json) {
                out().println(Json.write(jsonValue));
            } else if (text != null) {
                out().println(text);
            }
            out().flush();
        }
    }

    // ------------------------------------------------------------------ domain

    @Command(name = "domain", description = "Add, list or remove local (virtual mailbox) domains.",
            subcommands = {DomainAdd.class, DomainList.class, DomainRemove.class})
    static final class DomainCommand implements Runnable {
        @Override
        public void run() {
            CommandLine.usage(this, System.out);
        }
    }

    @Command(name = "add", description = "Add a domain (IDN allowed; stored in ASCII form).")
    static final class DomainAdd extends Verb {
        @Parameters(paramLabel = "DOMAIN", description = "the domain")
        String domain;

        @Override
        public Integer call() {
            String name = admin(config.load(), d -> {
                d.addDomain(domain);
                return domainName(domain);
            });
            done("domain " + name + " added", map("domain", name, "added", true));
            if (!json) {
                // RFC 5321 §4.5.1 (and RFC 2142 for abuse@): as with Postfix's virtual domains, these
                // are ordinary aliases the administrator points at a real mailbox.
                spec.commandLine().getErr().println("postern: mail for postmaster@" + name + " must be accepted (RFC 5321 "
                        + "§4.5.1): once it has a mailbox, add: " + Invocation.command() + " alias add postmaster@" + name + " you@" + name);
                spec.commandLine().getErr().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the domains with their number of users and aliases.")
    static final class DomainList extends Verb {
        @Override
        public Integer call() {
            List<DirectoryAdmin.DomainEntry> all = admin(config.load(), SqlDirectory::domains);
            if (json) {
                List<Object> rows = new ArrayList<>();
                for (var e : all) {
                    rows.add(map("domain", e.name(), "users", e.users(), "aliases", e.aliases()));
                }
                done(null, map("domains", rows));
            } else {
                for (var e : all) {
                    out().println(e.name() + "\t" + e.users() + (e.users() == 1 ? " user" : " users")
                            + "\t" + e.aliases() + (e.aliases() == 1 ? " alias" : " aliases"));
                }
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a domain (refused while it has users or aliases, unless --force).")
    static final class DomainRemove extends Verb {
        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--force", description = "also remove the domain's users and aliases")
        boolean force;

        @Override
        public Integer call() {
            DirectoryAdmin.Removal r = admin(config.load(), d -> d.removeDomain(domain, force));
            String name = domainName(domain);
            done("domain " + name + " removed" + (r.users() + r.aliases() > 0
                            ? " with " + r.users() + " users and " + r.aliases() + " aliases" : ""),
                    map("domain", name, "removed", true, "users", r.users(), "aliases", r.aliases()));
            return 0;
        }
    }

    // ------------------------------------------------------------------ user

    @Command(name = "user", description = "Add, list or remove users (virtual mailboxes), or change a password.",
            subcommands = {UserAdd.class, UserList.class, UserRemove.class, UserPasswd.class, UserDisable.class, UserEnable.class})
    static final class UserCommand implements Runnable {
        @Override
        public void run() {
            CommandLine.usage(this, System.out);
        }
    }

    /** How a verb gets a new password: stdin, the (visible) option, or a double prompt. */
    abstract static class PasswordVerb extends Verb {
        @Option(names = "--password-stdin", description = "read the password from the first line of standard input")
        boolean passwordStdin;

        @Option(names = "--password", paramLabel = "PASSWORD", arity = "1",
                description = "the password itself (visible to other local users in the process list: prefer --password-stdin)")
        char[] password;

        @Option(names = {"-s", "--scheme"}, paramLabel = "SCHEME",
                description = "password scheme for the new hash (default: directory.pass_scheme)")
        String scheme;

        /** The new password, hashed with the scheme; the plain text is wiped. */
        String newHash(Config c) {
            if (passwordStdin && password != null) {
                throw new CliException("use either --password-stdin or --password, not both");
            }
            char[] pw;
            if (passwordStdin) {
                pw = PwCommand.firstLine(System.in);
            } else if (password != null) {
                spec.commandLine().getErr().println("postern: warning: a password given with --password is visible to other "
                        + "local users (ps); prefer --password-stdin");
                spec.commandLine().getErr().flush();
                pw = password.clone();
                Arrays.fill(password, '\0');
            } else {
                pw = prompt();
            }
            try {
                if (pw.length == 0) {
                    throw new CliException("empty password");
                }
                String s = scheme != null ? scheme : c.get(DirectorySettings.PASS_SCHEME);
                try {
                    return Passwords.hash(s, pw);
                } catch (IllegalArgumentException e) {
                    throw new CliException(e.getMessage());
                }
            } finally {
                Arrays.fill(pw, '\0');
            }
        }

        private static char[] prompt() {
            Console console = System.console();
            if (console == null || !console.isTerminal()) {
                throw new CliException("no terminal to ask for the password: use --password-stdin");
            }
            char[] first = console.readPassword("New password: ");
            if (first == null) {
                throw new CliException("no password given");
            }
            char[] again = console.readPassword("Retype new password: ");
            boolean same = again != null && Arrays.equals(first, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw new CliException("passwords don't match");
            }
            return first;
        }
    }

    @Command(name = "add", description = "Add a user in a local domain.")
    static final class UserAdd extends PasswordVerb {
        @Parameters(paramLabel = "ADDRESS", description = "the user's email address (the login)")
        String address;

        @Option(names = "--quota", paramLabel = "SIZE", description = "mailbox quota, e.g. 500M or 1G (default: unlimited)")
        String quota;

        @Override
        public Integer call() {
            Config c = config.load();
            Address a = address(address);
            Long q = null;
            if (quota != null) {
                try {
                    q = SettingType.SIZE.parse(quota);
                } catch (IllegalArgumentException e) {
                    throw new CliException("--quota: " + e.getMessage());
                }
            }
            Long quotaBytes = q;
            // Check the domain before asking for a password.
            try (SqlDirectory d = open(c)) {
                if (!d.isLocalDomain(a.domain())) {
                    throw new CliException("domain " + a.domain() + " is not a local domain (add it first: " + Invocation.command() + " domain add " + a.domain() + ")");
                }
            } catch (Directory.DirectoryUnavailableException e) {
                throw new CliException(e.getMessage());
            }
            String hash = newHash(c);
            admin(c, d -> {
                d.addUser(a, hash, quotaBytes);
                return null;
            });
            done("user " + a.key() + " added", map("user", a.key(), "added", true, "quota_bytes", quotaBytes));
            return 0;
        }
    }

    @Command(name = "list", description = "List the users of one domain, or of all.")
    static final class UserList extends Verb {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "only this domain")
        String domain;

        @Override
        public Integer call() {
            List<DirectoryAdmin.UserEntry> users = admin(config.load(), d -> d.users(domain));
            if (json) {
                List<Object> rows = new ArrayList<>();
                for (var u : users) {
                    rows.add(map("user", u.address().key(), "quota_bytes", u.quotaBytes(), "enabled", u.enabled()));
                }
                done(null, map("users", rows));
            } else {
                for (var u : users) {
                    out().println(u.address().key() + (u.quotaBytes() == null ? "" : "\tquota " + u.quotaBytes())
                            + (u.enabled() ? "" : "\tdisabled"));
                }
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a user (its mail on disk stays).")
    static final class UserRemove extends Verb {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        public Integer call() {
            Address a = address(address);
            admin(config.load(), d -> {
                d.removeUser(a);
                return null;
            });
            done("user " + a.key() + " removed", map("user", a.key(), "removed", true));
            return 0;
        }
    }

    @Command(name = "passwd", description = "Set a user's password.")
    static final class UserPasswd extends PasswordVerb {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        public Integer call() {
            Config c = config.load();
            Address a = address(address);
            // Check the user exists before asking for a password.
            boolean exists = admin(c, d -> d.users(a.domain()).stream().anyMatch(u -> u.address().key().equals(a.key())));
            if (!exists) {
                throw new CliException("no such user: " + a.key());
            }
            String hash = newHash(c);
            admin(c, d -> {
                d.setPasswordHash(a, hash);
                return null;
            });
            done("password of " + a.key() + " changed", map("user", a.key(), "password_changed", true));
            return 0;
        }
    }

    @Command(name = "disable", description = "Disable a user: mail to it is refused and it cannot log in; nothing is deleted.")
    static final class UserDisable extends Verb {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        public Integer call() {
            Address a = address(address);
            admin(config.load(), d -> {
                d.setEnabled(a, false);
                return null;
            });
            done("user " + a.key() + " disabled", map("user", a.key(), "enabled", false));
            return 0;
        }
    }

    @Command(name = "enable", description = "Enable a disabled user again.")
    static final class UserEnable extends Verb {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        public Integer call() {
            Address a = address(address);
            admin(config.load(), d -> {
                d.setEnabled(a, true);
                return null;
            });
            done("user " + a.key() + " enabled", map("user", a.key(), "enabled", true));
            return 0;
        }
    }

    // ------------------------------------------------------------------ alias

    @Command(name = "alias", description = "Add, list or remove aliases (virtual_alias_maps).",
            subcommands = {AliasAdd.class, AliasList.class, AliasRemove.class})
    static final class AliasCommand implements Runnable {
        @Override
        public void run() {
            CommandLine.usage(this, System.out);
        }
    }

    @Command(name = "add", description = "Add an alias: SOURCE is user@domain or @domain (catch-all); targets are addresses.")
    static final class AliasAdd extends Verb {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET[,TARGET...]")
        List<String> targets;

        @Override
        public Integer call() {
            String src = normalSource(source);
            DirectoryAdmin.AliasEntry added = admin(config.load(), d -> {
                d.addAlias(source, targets);
                return d.aliases(domainOf(src)).stream().filter(e -> e.source().equals(src)).findFirst()
                        .orElseThrow(() -> new CliException("alias " + src + " was not stored"));
            });
            List<String> stored = added.targets();
            done("alias " + src + " -> " + String.join(", ", stored) + " added",
                    map("alias", src, "targets", stored, "added", true));
            return 0;
        }
    }

    /** The stored (ASCII) form of a domain the directory has already accepted. */
    static String domainName(String domain) {
        String d = domain.strip();
        return Address.normaliseDomain(d.startsWith("@") ? d.substring(1) : d);
    }

    static String domainOf(String source) {
        String s = source.strip();
        return s.substring(s.lastIndexOf('@') + 1);
    }

    static String normalSource(String source) {
        String s = source.strip();
        if (s.startsWith("@")) {
            try {
                return "@" + Address.normaliseDomain(s.substring(1));
            } catch (Address.InvalidAddressException e) {
                throw new CliException("'" + org.postern.core.Texts.safe(source, 100) + "' is not a valid domain: " + e.getMessage());
            }
        }
        return address(s).key();
    }

    @Command(name = "list", description = "List the aliases of one domain, or of all.")
    static final class AliasList extends Verb {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "only this domain")
        String domain;

        @Override
        public Integer call() {
            List<DirectoryAdmin.AliasEntry> all = admin(config.load(), d -> d.aliases(domain));
            if (json) {
                List<Object> rows = new ArrayList<>();
                for (var e : all) {
                    rows.add(map("alias", e.source(), "targets", e.targets()));
                }
                done(null, map("aliases", rows));
            } else {
                for (var e : all) {
                    out().println(e.source() + " -> " + String.join(", ", e.targets()));
                }
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove an alias (all its targets).")
    static final class AliasRemove extends Verb {
        @Parameters(paramLabel = "SOURCE")
        String source;

        @Override
        public Integer call() {
            admin(config.load(), d -> {
                d.removeAlias(source);
                return null;
            });
            String src = normalSource(source);
            done("alias " + src + " removed", map("alias", src, "removed", true));
            return 0;
        }
    }

    // ------------------------------------------------------------------ lookup

    @Command(name = "lookup", description = "Show how an address resolves (like postmap -q): its final mailboxes and "
            + "forwards, or why it does not exist (exit 1).")
    static final class LookupCommand extends Verb {
        @Parameters(paramLabel = "ADDRESS|DOMAIN", description = "an address, or a domain to check it is local")
        String address;

        @Override
        public Integer call() {
            if (!address.contains("@")) {
                return domain();
            }
            Address a = address(address);
            Directory.Resolution r;
            try (SqlDirectory d = open(config.load())) {
                r = d.resolve(a);
            } catch (Directory.DirectoryUnavailableException e) {
                throw new CliException(e.getMessage());
            }
            if (json) {
                List<Object> boxes = new ArrayList<>();
                for (var m : r.mailboxes()) {
                    boxes.add(map("mailbox", m.address().key(), "quota_bytes", m.quotaBytes()));
                }
                done(null, map("address", a.key(), "exists", r.exists(), "mailboxes", boxes,
                        "forwards", r.forwards().stream().map(Address::toString).toList(),
                        "reason", r.reason(), "trace", r.trace()));
            } else {
                PrintWriter out = out();
                for (String t : r.trace()) {
                    out.println("  " + t);
                }
                if (r.exists()) {
                    for (var m : r.mailboxes()) {
                        out.println("mailbox: " + m.address().key());
                    }
                    for (var f : r.forwards()) {
                        out.println("forward: " + f);
                    }
                } else {
                    out.println(a.key() + ": not found: " + r.reason());
                }
                out.flush();
            }
            return r.exists() ? 0 : 1;
        }

        /** Like {@code postmap -q example.org mysql:virtual-mailbox-domains.cf}. */
        private int domain() {
            String name;
            try {
                name = Address.normaliseDomain(address.strip());
            } catch (Address.InvalidAddressException e) {
                throw new CliException("'" + org.postern.core.Texts.safe(address, 100) + "' is neither an address nor a domain: " + e.getMessage());
            }
            boolean local;
            try (SqlDirectory d = open(config.load())) {
                local = d.isLocalDomain(name);
            } catch (Directory.DirectoryUnavailableException e) {
                throw new CliException(e.getMessage());
            }
            done(name + (local ? ": local domain" : ": not found: not a local domain (not in virtual_mailbox_domains)"),
                    map("domain", name, "exists", local));
            return local ? 0 : 1;
        }
    }

    // ------------------------------------------------------------------ JSON

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A minimal JSON writer for the CLI's --json output (maps, lists, strings, numbers, booleans, null). */
    static final class Json {
        private Json() {
        }

        static String write(Object v) {
            StringBuilder sb = new StringBuilder();
            write(sb, v);
            return sb.toString();
        }

        private static void write(StringBuilder sb, Object v) {
            switch (v) {
                case null -> sb.append("null");
                case Boolean b -> sb.append(b);
                case Number n -> sb.append(n);
                case Map<?, ?> m -> {
                    sb.append('{');
                    boolean first = true;
                    for (var e : m.entrySet()) {
                        if (!first) {
                            sb.append(',');
                        }
                        first = false;
                        string(sb, String.valueOf(e.getKey()));
                        sb.append(':');
                        write(sb, e.getValue());
                    }
                    sb.append('}');
                }
                case Iterable<?> it -> {
                    sb.append('[');
                    boolean first = true;
                    for (Object o : it) {
                        if (!first) {
                            sb.append(',');
                        }
                        first = false;
                        write(sb, o);
                    }
                    sb.append(']');
                }
                default -> string(sb, v.toString());
            }
        }

        private static void string(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
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
            sb.append('"');
        }
    }
}
