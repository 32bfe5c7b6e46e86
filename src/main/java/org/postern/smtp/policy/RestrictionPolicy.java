package org.postern.smtp.policy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postern.core.Address;
import org.postern.core.DnsResolver;
import org.postern.core.Reply;
import org.postern.core.config.Config;
import org.postern.core.config.SettingException;
import org.postern.core.config.Setting;
import org.postern.directory.Directory;
import org.postern.directory.Directory.DirectoryUnavailableException;
import org.postern.directory.DirectorySettings;
import org.postern.smtp.policy.Eval.ListContext;
import org.postern.smtp.policy.Eval.Status;
import org.postern.smtp.policy.table.Cidr;
import org.postern.smtp.policy.table.Table;
import org.postern.smtp.policy.table.TableFileException;
import org.postern.smtp.policy.table.Tables;
import org.postern.store.MailStore;

/**
 * Postfix's smtpd restriction engine ({@code smtpd_*_restrictions}, access tables, reject codes)
 * with Postfix's semantics and reply texts, so pasted main.cf lists and existing fail2ban filters
 * work unchanged.
 *
 * <ul>
 *   <li>The lists compile once, when the policy is built: unknown restriction names, bad table
 *       files (file, line) and bad actions in tables are configuration errors naming the key.</li>
 *   <li>With {@code smtpd_delay_reject} (default), client, HELO and sender restrictions run at
 *       RCPT TO, then relay and recipient restrictions. OK/permit ends only the list it is in.</li>
 *   <li>After the lists, the implicit {@code smtpd_reject_unlisted_recipient} check (550 5.1.1 User
 *       unknown in virtual mailbox table) and, with a mail store, the quota check (552 5.2.2).</li>
 *   <li>DNS failures never pass and never reject permanently: they become 450 (Postfix's
 *       defer_if_permit), RBL lookups included.</li>
 * </ul>
 */
public final class RestrictionPolicy implements SmtpPolicy {

    /** Which access-table lookup a bare {@code type:table} in a list means (Postfix's default ACL). */
    enum AccessKind { CLIENT, REVERSE_CLIENT, HELO, SENDER, RECIPIENT }

    /** One compiled restriction. */
    interface Restriction {
        Status eval(Eval ev, ListContext ctx);
    }

    private record Named(String name, Restriction r) {
    }

    static final String CLIENT_CLASS = "Client host";
    static final String HELO_CLASS = "Helo command";
    static final String SENDER_CLASS = "Sender address";
    static final String RECIPIENT_CLASS = "Recipient address";
    static final String DATA_CLASS = "Data command";
    static final String EOD_CLASS = "End-of-data";

    /** Restrictions that make the relay/recipient lists reject by default (Postfix's rcpt_required). */
    private static final Set<String> RCPT_REQUIRED = Set.of("reject_unauth_destination", "reject", "defer", "defer_if_permit",
            "check_relay_domains");

    final Directory directory;
    final MailStore store;
    final DnsResolver dns;
    final Path baseDir;

    final boolean heloRequired;
    final boolean delayReject;
    final boolean rejectUnlistedRecipient;
    final boolean rejectUnlistedSender;
    final List<Cidr> mynetworks;
    final List<String> relayDomains;
    final boolean relayDomainsParentStyle;
    final boolean accessMapsParentStyle;
    final String delimiters;
    final String nullAccessKey;
    final String rblTemplate;
    final Duration policyTimeout;
    final Codes codes;

    private final List<Named> client;
    private final List<Named> helo;
    private final List<Named> sender;
    private final List<Named> relay;
    private final List<Named> recipient;
    private final List<Named> data;
    private final List<Named> endOfData;

    private final Map<String, Table> tables = new HashMap<>();
    private final Map<String, List<String>> classDefs;
    private final Map<String, List<Named>> classes = new HashMap<>();
    private final Map<String, List<Named>> rhsCache = new ConcurrentHashMap<>();

    /** The reject code parameters. */
    record Codes(int unknownClient, int unknownHostname, int unknownAddress, int invalidHostname, int nonFqdn, int accessMap,
                 int accessMapDefer, int mapsRbl, int relayDomains, int unknownVirtualMailbox, int reject, int defer,
                 int multiRecipientBounce, int plaintext) {
    }

    private RestrictionPolicy(Config config, Directory directory, MailStore store, DnsResolver dns) {
        this.directory = directory;
        this.store = store;
        this.dns = dns;
        this.baseDir = config.baseDir();
        this.heloRequired = config.get(PolicySettings.HELO_REQUIRED);
        this.delayReject = config.get(PolicySettings.DELAY_REJECT);
        this.rejectUnlistedRecipient = config.get(PolicySettings.REJECT_UNLISTED_RECIPIENT);
        this.rejectUnlistedSender = config.get(PolicySettings.REJECT_UNLISTED_SENDER);
        this.mynetworks = networks(PolicySettings.MYNETWORKS, config.get(PolicySettings.MYNETWORKS));
        List<String> rd = new ArrayList<>();
        for (String d : config.get(PolicySettings.RELAY_DOMAINS)) {
            try {
                rd.add(d.startsWith(".") ? "." + Address.normaliseDomain(d.substring(1)) : Address.normaliseDomain(d));
            } catch (IllegalArgumentException e) {
                throw new SettingException(PolicySettings.RELAY_DOMAINS, "bad domain '" + d + "'");
            }
        }
        this.relayDomains = List.copyOf(rd);
        List<String> parent = config.get(PolicySettings.PARENT_DOMAIN_MATCHES_SUBDOMAINS).stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
        this.relayDomainsParentStyle = parent.contains("relay_domains");
        this.accessMapsParentStyle = parent.contains("smtpd_access_maps");
        this.delimiters = config.get(DirectorySettings.RECIPIENT_DELIMITER);
        this.nullAccessKey = config.get(PolicySettings.NULL_ACCESS_LOOKUP_KEY);
        this.rblTemplate = config.get(PolicySettings.DEFAULT_RBL_REPLY);
        Rbl.checkTemplate(PolicySettings.DEFAULT_RBL_REPLY.key(), rblTemplate);
        this.policyTimeout = config.get(PolicySettings.POLICY_SERVICE_TIMEOUT);
        this.codes = new Codes(code(config, PolicySettings.UNKNOWN_CLIENT_REJECT_CODE), code(config, PolicySettings.UNKNOWN_HOSTNAME_REJECT_CODE),
                code(config, PolicySettings.UNKNOWN_ADDRESS_REJECT_CODE), code(config, PolicySettings.INVALID_HOSTNAME_REJECT_CODE),
                code(config, PolicySettings.NON_FQDN_REJECT_CODE), code(config, PolicySettings.ACCESS_MAP_REJECT_CODE),
                code(config, PolicySettings.ACCESS_MAP_DEFER_CODE), code(config, PolicySettings.MAPS_RBL_REJECT_CODE),
                code(config, PolicySettings.RELAY_DOMAINS_REJECT_CODE), code(config, PolicySettings.UNKNOWN_VIRTUAL_MAILBOX_REJECT_CODE),
                code(config, PolicySettings.REJECT_CODE), code(config, PolicySettings.DEFER_CODE),
                code(config, PolicySettings.MULTI_RECIPIENT_BOUNCE_REJECT_CODE), code(config, PolicySettings.PLAINTEXT_REJECT_CODE));

        this.classDefs = parseClasses(config.get(PolicySettings.RESTRICTION_CLASSES));
        for (Map.Entry<String, List<String>> e : classDefs.entrySet()) {
            try {
                classes.put(e.getKey(), compileWords(e.getValue(), null, true));
            } catch (IllegalArgumentException ex) {
                throw new SettingException(PolicySettings.RESTRICTION_CLASSES, "class " + e.getKey() + ": " + ex.getMessage(), ex);
            }
        }

        this.client = compile(PolicySettings.CLIENT_RESTRICTIONS, config, AccessKind.CLIENT);
        this.helo = compile(PolicySettings.HELO_RESTRICTIONS, config, AccessKind.HELO);
        this.sender = compile(PolicySettings.SENDER_RESTRICTIONS, config, AccessKind.SENDER);
        this.relay = compile(PolicySettings.RELAY_RESTRICTIONS, config, AccessKind.RECIPIENT);
        this.recipient = compile(PolicySettings.RECIPIENT_RESTRICTIONS, config, AccessKind.RECIPIENT);
        this.data = compile(PolicySettings.DATA_RESTRICTIONS, config, null);
        this.endOfData = compile(PolicySettings.END_OF_DATA_RESTRICTIONS, config, null);

        // Postfix refuses to start when nothing at RCPT rejects by default: that would be an open relay.
        if (relay.stream().noneMatch(n -> RCPT_REQUIRED.contains(n.name())) && recipient.stream().noneMatch(n -> RCPT_REQUIRED.contains(n.name()))) {
            throw new SettingException(PolicySettings.RELAY_RESTRICTIONS, "specify at least one working instance of "
                    + "reject_unauth_destination, defer_if_permit, reject or defer in smtpd_relay_restrictions or "
                    + "smtpd_recipient_restrictions (without one this server would be an open relay)");
        }
    }

    /**
     * Builds the policy the server uses.
     *
     * @param store null when no quota check is wanted at RCPT
     * @throws IllegalArgumentException naming the setting key (and table file and line) for any configuration error
     */
    public static RestrictionPolicy fromConfig(Config config, Directory directory, MailStore store, DnsResolver dns) {
        return new RestrictionPolicy(config, directory, store, dns);
    }

    /**
     * Checks the restriction settings and every table they name, without a directory or DNS
     * (for {@code postern config check}).
     *
     * @throws IllegalArgumentException naming the key and the bad word, or the table file and line
     */
    public static void validate(Config config) {
        new RestrictionPolicy(config, null, null, null);
    }

    private static int code(Config config, Setting<Integer> s) {
        int c = config.get(s);
        if (c < 400 || c > 599) {
            throw new SettingException(s, "reply code must be 4xx or 5xx, got " + c);
        }
        return c;
    }

    private static List<Cidr> networks(Setting<List<String>> key, List<String> specs) {
        List<Cidr> out = new ArrayList<>();
        for (String s : specs) {
            try {
                out.add(Cidr.parse(s, false));
            } catch (IllegalArgumentException e) {
                throw new SettingException(key, e.getMessage() + " (use CIDR notation such as 192.0.2.0/24 or [2001:db8::]/32)");
            }
        }
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------- compilation

    /** "name = r1, r2; name2 = r3" into name -> words. */
    private Map<String, List<String>> parseClasses(String text) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (String def : text.split(";")) {
            if (def.isBlank()) {
                continue;
            }
            int eq = def.indexOf('=');
            String name = eq < 0 ? "" : def.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (eq < 0 || !name.matches("[a-z0-9_]+")) {
                throw new SettingException(PolicySettings.RESTRICTION_CLASSES, "expected \"name = restriction, ...\", got \""
                        + def.strip() + "\"");
            }
            if (WITH_ARGUMENT.contains(name) || Checks.known().contains(name) || UNSUPPORTED.containsKey(name)) {
                throw new SettingException(PolicySettings.RESTRICTION_CLASSES, "class name \"" + name + "\" is a restriction name");
            }
            List<String> words = new ArrayList<>();
            for (String w : def.substring(eq + 1).split("[,\\s]+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
            if (words.isEmpty()) {
                throw new SettingException(PolicySettings.RESTRICTION_CLASSES, "restriction class \"" + name + "\" needs a definition");
            }
            out.put(name, words);
        }
        return out;
    }

    /** Postfix restrictions Postern knows of but does not implement, with the reason. */
    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("reject_unverified_sender", "there is no address verification service"),
            Map.entry("reject_unverified_recipient", "there is no address verification service"),
            Map.entry("permit_mx_backup", "list backup-MX domains in relay_domains instead"),
            Map.entry("check_ccert_access", "client certificates are not passed to the policy"),
            Map.entry("permit_tls_clientcerts", "client certificates are not passed to the policy"),
            Map.entry("permit_tls_all_clientcerts", "client certificates are not passed to the policy"),
            Map.entry("check_etrn_access", "ETRN is not supported"),
            Map.entry("permit_inet_interfaces", "use permit_mynetworks"),
            Map.entry("reject_known_sender_login_mismatch", "use reject_sender_login_mismatch"));

    private List<Named> compile(Setting<List<String>> key, Config config, AccessKind defaultAcl) {
        List<String> words = new ArrayList<>();
        for (String element : config.get(key)) {
            for (String w : element.split("[,\\s]+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        try {
            return compileWords(words, defaultAcl, true);
        } catch (IllegalArgumentException e) {
            throw new SettingException(key, e.getMessage(), e);
        }
    }

    /** Restriction names that need one argument. */
    private static final Set<String> WITH_ARGUMENT = Set.of("check_client_access", "check_reverse_client_hostname_access",
            "check_helo_access", "check_sender_access", "check_recipient_access", "check_policy_service", "reject_rbl_client",
            "reject_rbl", "reject_rhsbl_client", "reject_rhsbl_reverse_client", "reject_rhsbl_sender", "reject_rhsbl_helo",
            "reject_rhsbl_recipient", "permit_dnswl_client", "permit_rhswl_client", "check_client_mx_access", "check_client_a_access",
            "check_helo_mx_access", "check_helo_a_access", "check_sender_mx_access", "check_sender_a_access", "check_recipient_mx_access",
            "check_recipient_a_access", "check_client_ns_access", "check_helo_ns_access", "check_sender_ns_access",
            "check_recipient_ns_access");

    List<Named> compileWords(List<String> words, AccessKind defaultAcl, boolean loadTables) {
        List<Named> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String name = word.toLowerCase(Locale.ROOT);
            String arg = null;
            if (word.indexOf(':') > 0 && !WITH_ARGUMENT.contains(name)) {
                if (defaultAcl == null) {
                    throw new IllegalArgumentException("table \"" + word + "\" needs a check_*_access restriction before it");
                }
                arg = word;
                name = switch (defaultAcl) {
                    case CLIENT -> "check_client_access";
                    case REVERSE_CLIENT -> "check_reverse_client_hostname_access";
                    case HELO -> "check_helo_access";
                    case SENDER -> "check_sender_access";
                    case RECIPIENT -> "check_recipient_access";
                };
            } else if (WITH_ARGUMENT.contains(name)) {
                if (i + 1 >= words.size()) {
                    throw new IllegalArgumentException("restriction \"" + word + "\" needs an argument");
                }
                arg = words.get(++i);
            }
            out.add(new Named(name, restriction(name, arg, word, loadTables)));
        }
        return List.copyOf(out);
    }

    private Restriction restriction(String name, String arg, String word, boolean loadTables) {
        Checks c = new Checks(this);
        return switch (name) {
            case "permit" -> (ev, ctx) -> Status.OK;
            case "reject" -> (ev, ctx) -> ev.reject(codes.reject(), "5.7.1", "<" + ctx.replyName() + ">: " + ctx.replyClass() + " rejected: Access denied");
            case "defer" -> (ev, ctx) -> ev.reject(codes.defer(), "4.3.2", "<" + ctx.replyName() + ">: " + ctx.replyClass() + " rejected: Try again later");
            case "warn_if_reject" -> (ev, ctx) -> {
                if (ev.warnIfReject == 0) {
                    ev.warnIfReject = ev.recursion;
                }
                return Status.DUNNO;
            };
            case "defer_if_permit" -> (ev, ctx) -> {
                ev.deferIfPermit(450, "4.7.0", "<" + ctx.replyName() + ">: " + ctx.replyClass() + " rejected: defer_if_permit requested");
                return Status.DUNNO;
            };
            case "defer_if_reject" -> (ev, ctx) -> {
                ev.deferIfReject(450, "4.7.0", "<" + ctx.replyName() + ">: " + ctx.replyClass() + " rejected: defer_if_reject requested");
                return Status.DUNNO;
            };
            case "permit_mynetworks" -> c::permitMynetworks;
            case "permit_sasl_authenticated" -> (ev, ctx) -> ev.facts.saslUser() != null ? Status.OK : Status.DUNNO;
            case "reject_unauth_destination" -> c::rejectUnauthDestination;
            case "permit_auth_destination" -> c::permitAuthDestination;
            case "check_relay_domains" -> throw new IllegalArgumentException(
                    "restriction \"check_relay_domains\" was removed from Postfix; use reject_unauth_destination");
            case "reject_unlisted_recipient", "check_recipient_maps" -> c::rejectUnlistedRecipient;
            case "reject_unlisted_sender" -> c::rejectUnlistedSender;
            case "reject_invalid_helo_hostname", "reject_invalid_hostname" -> c::rejectInvalidHelo;
            case "reject_non_fqdn_helo_hostname", "reject_non_fqdn_hostname" -> c::rejectNonFqdnHelo;
            case "reject_unknown_helo_hostname", "reject_unknown_hostname" -> c::rejectUnknownHelo;
            case "reject_non_fqdn_sender" -> c::rejectNonFqdnSender;
            case "reject_non_fqdn_recipient" -> c::rejectNonFqdnRecipient;
            case "reject_unknown_sender_domain" -> c::rejectUnknownSenderDomain;
            case "reject_unknown_recipient_domain" -> c::rejectUnknownRecipientDomain;
            case "reject_unknown_client_hostname", "reject_unknown_client" -> c::rejectUnknownClient;
            case "reject_unknown_reverse_client_hostname" -> c::rejectUnknownReverseClient;
            case "reject_unauth_pipelining" -> (ev, ctx) -> ev.facts.unauthPipelining()
                    ? ev.reject(503, "5.5.0", "<" + ctx.replyName() + ">: " + ctx.replyClass() + " rejected: Improper use of SMTP command pipelining")
                    : Status.DUNNO;
            case "reject_multi_recipient_bounce" -> c::rejectMultiRecipientBounce;
            case "reject_rbl_client", "reject_rbl" -> c.rblClient(Rbl.Spec.parse(arg));
            case "permit_dnswl_client" -> c.dnswlClient(Rbl.Spec.parse(arg));
            case "reject_rhsbl_client" -> c.rhsbl(Rbl.Spec.parse(arg), Checks.RhsblTarget.CLIENT);
            case "reject_rhsbl_reverse_client" -> c.rhsbl(Rbl.Spec.parse(arg), Checks.RhsblTarget.REVERSE_CLIENT);
            case "reject_rhsbl_sender" -> c.rhsbl(Rbl.Spec.parse(arg), Checks.RhsblTarget.SENDER);
            case "reject_rhsbl_helo" -> c.rhsbl(Rbl.Spec.parse(arg), Checks.RhsblTarget.HELO);
            case "reject_rhsbl_recipient" -> c.rhsbl(Rbl.Spec.parse(arg), Checks.RhsblTarget.RECIPIENT);
            case "permit_rhswl_client" -> c.rhswlClient(Rbl.Spec.parse(arg));
            case "check_client_access" -> c.clientAccess(table(arg, loadTables), false);
            case "check_reverse_client_hostname_access" -> c.clientAccess(table(arg, loadTables), true);
            case "check_helo_access" -> c.heloAccess(table(arg, loadTables));
            case "check_sender_access" -> c.senderAccess(table(arg, loadTables));
            case "check_recipient_access" -> c.recipientAccess(table(arg, loadTables));
            case "check_client_mx_access", "check_client_a_access", "check_client_ns_access",
                 "check_helo_mx_access", "check_helo_a_access", "check_helo_ns_access",
                 "check_sender_mx_access", "check_sender_a_access", "check_sender_ns_access",
                 "check_recipient_mx_access", "check_recipient_a_access", "check_recipient_ns_access" -> {
                // check_<what>_<servers>_access
                String[] part = name.split("_");
                AccessKind kind = AccessKind.valueOf(part[1].toUpperCase(Locale.ROOT));
                yield c.serverAccess(table(arg, loadTables), kind, Checks.Servers.valueOf(part[2].toUpperCase(Locale.ROOT)));
            }
            case "check_policy_service" -> c.policyService(PolicyService.parse(arg, baseDir, policyTimeout));
            case "reject_authenticated_sender_login_mismatch" -> c::rejectAuthenticatedSenderLoginMismatch;
            case "reject_unauthenticated_sender_login_mismatch" -> c::rejectUnauthenticatedSenderLoginMismatch;
            case "reject_sender_login_mismatch" -> (ev, ctx) -> {
                Status s = c.rejectAuthenticatedSenderLoginMismatch(ev, ctx);
                return s != Status.DUNNO ? s : c.rejectUnauthenticatedSenderLoginMismatch(ev, ctx);
            };
            case "reject_plaintext_session" -> (ev, ctx) -> ev.facts.tls() ? Status.DUNNO
                    : ev.reject(codes.plaintext(), "4.7.1", "Session encryption is required");
            default -> {
                if (classDefs != null && classDefs.containsKey(name)) {
                    yield (ev, ctx) -> {
                        if (ev.recursion > 100) {
                            throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), "restriction class " + name + " recursion");
                        }
                        return run(ev, classes.get(name), ctx);
                    };
                }
                if (UNSUPPORTED.containsKey(name)) {
                    throw new IllegalArgumentException("restriction \"" + word + "\" is not supported: " + UNSUPPORTED.get(name));
                }
                throw new IllegalArgumentException("unknown restriction \"" + word + "\"" + Checks.suggest(name));
            }
        };
    }

    /** Opens (once) a table named in a list, and validates every action in it. */
    private Table table(String spec, boolean load) {
        if (!load) {
            Table t = tables.get(spec);
            if (t == null) {
                throw new IllegalArgumentException("table " + spec + " is not declared in a restriction list (tables named inside "
                        + "access table results must also appear in the configuration)");
            }
            return t;
        }
        Table existing = tables.get(spec);
        if (existing != null) {
            return existing;
        }
        Table t;
        try {
            t = Tables.open(spec, baseDir);
        } catch (TableFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        for (Table.Result r : t.results()) {
            try {
                TableActions.validate(this, r.text());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(spec + ", line " + r.line() + ": " + e.getMessage(), e);
            }
        }
        tables.put(spec, t);
        return t;
    }

    /** A restriction list written as an access-table result ("permit_mynetworks, reject"), compiled once. */
    List<Named> compileRhs(String value) {
        return rhsCache.computeIfAbsent(value, v -> {
            List<String> words = new ArrayList<>();
            for (String w : v.split("[,\\s]+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
            return compileWords(words, null, false);
        });
    }

    // ---------------------------------------------------------------- evaluation

    /** Runs a list (Postfix's generic_checks); stops at the first OK or REJECT. */
    Status run(Eval ev, List<Named> list, ListContext ctx) {
        int saved = ev.recursion++;
        Status status = Status.DUNNO;
        try {
            for (Named n : list) {
                if (ev.discard) {
                    break;
                }
                String outer = ev.current;
                ev.current = n.name();
                boolean isWarn = n.name().equals("warn_if_reject");
                try {
                    status = n.r().eval(ev, ctx);
                } finally {
                    if (!isWarn && ev.warnIfReject >= ev.recursion) {
                        ev.warnIfReject = 0;
                    }
                    if (status != Status.REJECT) {
                        ev.current = outer;
                    }
                }
                if (status != Status.DUNNO) {
                    break;
                }
                if (ev.deferIfPermit != null && ev.deferIfReject != null) {
                    break;
                }
            }
        } finally {
            ev.recursion = saved;
        }
        return status;
    }

    @Override
    public Decision check(Stage stage, Facts facts) {
        Eval ev = new Eval(facts, stage);
        try {
            Status status = switch (stage) {
                case CONNECT -> delayReject ? Status.DUNNO : clientStage(ev);
                case HELO -> delayReject ? Status.DUNNO : heloStage(ev);
                case MAIL -> mailStage(ev);
                case RCPT -> rcptStage(ev);
                case DATA -> dataStage(ev, data, "DATA", DATA_CLASS);
                case END_OF_DATA -> dataStage(ev, endOfData, "END-OF-MESSAGE", EOD_CLASS);
            };
            return decide(ev, status, stage);
        } catch (Eval.Abort a) {
            return new Decision(Action.REJECT, a.reply, List.of(), a.getMessage());
        } catch (RuntimeException e) {
            // a bug must not become a stack trace for the client or a silent pass: tempfail and say why in the log
            Eval.LOG.error("policy evaluation failed at {} from {}", ev.where, ev.clientNamaddr(), e);
            return new Decision(Action.REJECT, Reply.of(451, "4.3.0", "Error: internal policy error, try again later"), List.of(),
                    "internal error: " + e);
        }
    }

    private Decision decide(Eval ev, Status status, Stage stage) {
        if (status == Status.REJECT) {
            return new Decision(Action.REJECT, ev.reply, List.of(), ev.rejectedBy);
        }
        boolean transaction = stage != Stage.CONNECT && stage != Stage.HELO;
        List<String> prepend = List.copyOf(new java.util.LinkedHashSet<>(ev.prepend));
        if (ev.discard && transaction) {
            return new Decision(Action.DISCARD, null, prepend, ev.rejectedBy);
        }
        if (ev.hold && transaction) {
            return new Decision(Action.HOLD, null, prepend, null);
        }
        return prepend.isEmpty() || !transaction ? Decision.CONTINUE : new Decision(Action.CONTINUE, null, prepend, null);
    }

    private Status clientStage(Eval ev) {
        if (ev.facts.clientIp() == null) {
            return Status.DUNNO;
        }
        ev.reset();
        return run(ev, client, new ListContext(ev.clientNamaddr(), CLIENT_CLASS, AccessKind.CLIENT));
    }

    private Status heloStage(Eval ev) {
        if (ev.facts.helo() == null) {
            return Status.DUNNO;
        }
        ev.reset();
        return run(ev, helo, new ListContext(ev.facts.helo(), HELO_CLASS, AccessKind.HELO));
    }

    private Status senderStage(Eval ev) {
        String s = ev.sender;
        if (s == null) {
            return Status.DUNNO;
        }
        ev.reset();
        Status status = run(ev, sender, new ListContext(s, SENDER_CLASS, AccessKind.SENDER));
        if (rejectUnlistedSender && status != Status.REJECT && !ev.senderMapChecked && !ev.discard && !s.isEmpty()) {
            status = new Checks(this).unlisted(ev, s, SENDER_CLASS);
        }
        return status;
    }

    private Status mailStage(Eval ev) {
        if (heloRequired && ev.facts.helo() == null) {
            return ev.rejectHard(Reply.of(503, "5.5.1", "Error: send HELO/EHLO first"));
        }
        if (delayReject) {
            return Status.DUNNO;
        }
        Status s = senderStage(ev);
        return s != Status.REJECT ? applyDeferIfPermit(ev, s) : s;
    }

    private Status rcptStage(Eval ev) {
        String rcpt = ev.recipient;
        if (rcpt == null) {
            return Status.DUNNO;
        }
        // RFC 5321 §4.5.1: "postmaster" without a domain must be accepted.
        if (rcpt.equalsIgnoreCase("postmaster")) {
            return Status.DUNNO;
        }
        if (delayReject) {
            Status s = clientStage(ev);
            if (s == Status.REJECT) {
                return s;
            }
            s = heloStage(ev);
            if (s == Status.REJECT) {
                return s;
            }
            s = senderStage(ev);
            if (s == Status.REJECT) {
                return s;
            }
            // The delayed lists run again for every RCPT; their PREPEND headers belong to the message once,
            // with its first accepted recipient.
            if (ev.facts.recipientCount() > 0) {
                ev.prepend.clear();
            }
        }
        ev.reset();
        ListContext ctx = new ListContext(rcpt, RECIPIENT_CLASS, AccessKind.RECIPIENT);
        Status status = ev.discard ? Status.DUNNO : run(ev, relay, ctx);
        if (status != Status.REJECT && !ev.discard) {
            status = run(ev, recipient, ctx);
        }
        if (status != Status.REJECT && ev.deferIfPermit != null) {
            return ev.rejectHard(ev.deferIfPermit);
        }
        if (status != Status.REJECT && !ev.discard) {
            Checks c = new Checks(this);
            if (rejectUnlistedRecipient && !ev.recipientMapChecked) {
                status = c.unlisted(ev, rcpt, RECIPIENT_CLASS);
            }
            if (status != Status.REJECT) {
                status = c.quota(ev, rcpt);
            }
        }
        return status;
    }

    private Status dataStage(Eval ev, List<Named> list, String replyName, String replyClass) {
        ev.reset();
        Status s = run(ev, list, new ListContext(replyName, replyClass, null));
        return s != Status.REJECT ? applyDeferIfPermit(ev, s) : s;
    }

    private static Status applyDeferIfPermit(Eval ev, Status s) {
        return ev.deferIfPermit != null ? ev.rejectHard(ev.deferIfPermit) : s;
    }

    // ---------------------------------------------------------------- shared helpers for Checks

    /** Whether a client address is in mynetworks (also the listeners' limit exemption). */
    public boolean inMynetworks(InetAddress a) {
        if (a == null) {
            return false;
        }
        for (Cidr c : mynetworks) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** Our own domain (directory) or a relay_domains entry. */
    boolean isLocalDomain(String domain) {
        try {
            return directory != null && directory.isLocalDomain(domain);
        } catch (DirectoryUnavailableException e) {
            throw new Eval.Abort(Reply.of(451, "4.3.0", "<" + domain + ">: Temporary lookup failure"), "directory: " + e.getMessage());
        }
    }

    boolean isRelayDomain(String domain) {
        for (String d : relayDomains) {
            if (d.startsWith(".")) {
                if (domain.endsWith(d)) {
                    return true;
                }
            } else if (domain.equals(d) || (relayDomainsParentStyle && domain.endsWith("." + d))) {
                return true;
            }
        }
        return false;
    }

    DnsResolver dns() {
        if (dns == null) {
            throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), "no DNS resolver configured");
        }
        return dns;
    }
}
