package org.postern.smtp.policy;

import java.io.IOException;
import java.net.IDN;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.core.Address;
import org.postern.core.DnsResolver;
import org.postern.core.DnsResolver.DnsTemporaryException;
import org.postern.core.Reply;
import org.postern.directory.Directory;
import org.postern.directory.Directory.DirectoryUnavailableException;
import org.postern.smtp.policy.Eval.ListContext;
import org.postern.smtp.policy.Eval.Status;
import org.postern.smtp.policy.RestrictionPolicy.AccessKind;
import org.postern.smtp.policy.RestrictionPolicy.Restriction;
import org.postern.smtp.policy.table.Table;

/** The restrictions themselves, one method each, with Postfix's reply texts and codes. */
final class Checks {
    private final RestrictionPolicy p;

    Checks(RestrictionPolicy p) {
        this.p = p;
    }

    // ---------------------------------------------------------------- client

    Status permitMynetworks(Eval ev, ListContext ctx) {
        return p.inMynetworks(ev.facts.clientIp()) ? Status.OK : Status.DUNNO;
    }

    Status rejectUnknownClient(Eval ev, ListContext ctx) {
        String name = ev.facts.clientName();
        if (name == null || name.equalsIgnoreCase(ClientIdentity.UNKNOWN)) {
            return ev.reject(ev.facts.clientNameTemp() ? 450 : p.codes.unknownClient(), "4.7.25",
                    "Client host rejected: cannot find your hostname, [" + ev.clientAddr() + "]");
        }
        return Status.DUNNO;
    }

    Status rejectUnknownReverseClient(Eval ev, ListContext ctx) {
        String name = ev.facts.reverseName();
        if (name == null || name.equalsIgnoreCase(ClientIdentity.UNKNOWN)) {
            return ev.reject(ev.facts.clientNameTemp() ? 450 : p.codes.unknownClient(), "4.7.25",
                    "Client host rejected: cannot find your reverse hostname, [" + ev.clientAddr() + "]");
        }
        return Status.DUNNO;
    }

    // ---------------------------------------------------------------- HELO

    Status rejectInvalidHelo(Eval ev, ListContext ctx) {
        String h = ev.facts.helo();
        if (h == null) {
            return Status.DUNNO;
        }
        if (h.startsWith("[")) {
            return invalidHostaddr(ev, h);
        }
        String t = Hostnames.dropTrailingDot(h);
        if (!Hostnames.validHostname(t) && !Hostnames.validHostaddr(t)) {
            return ev.reject(p.codes.invalidHostname(), "5.5.2", "<" + h + ">: " + RestrictionPolicy.HELO_CLASS + " rejected: Invalid name");
        }
        return Status.DUNNO;
    }

    private Status invalidHostaddr(Eval ev, String h) {
        String inner = h.length() > 2 && h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        if (org.postern.smtp.policy.table.Cidr.literal(inner) == null || inner.startsWith("[")) {
            return ev.reject(p.codes.invalidHostname(), "5.5.2", "<" + h + ">: " + RestrictionPolicy.HELO_CLASS + " rejected: invalid ip address");
        }
        return Status.DUNNO;
    }

    Status rejectNonFqdnHelo(Eval ev, ListContext ctx) {
        String h = ev.facts.helo();
        if (h == null) {
            return Status.DUNNO;
        }
        if (h.startsWith("[")) {
            return invalidHostaddr(ev, h);
        }
        String t = Hostnames.dropTrailingDot(h);
        if (!Hostnames.validHostname(t) || t.indexOf('.') < 0) {
            return ev.reject(p.codes.nonFqdn(), "5.5.2", "<" + h + ">: " + RestrictionPolicy.HELO_CLASS + " rejected: need fully-qualified hostname");
        }
        return Status.DUNNO;
    }

    Status rejectUnknownHelo(Eval ev, ListContext ctx) {
        String h = ev.facts.helo();
        if (h == null) {
            return Status.DUNNO;
        }
        if (h.startsWith("[")) {
            return invalidHostaddr(ev, h);
        }
        String text = "<" + h + ">: " + RestrictionPolicy.HELO_CLASS + " rejected: Host not found";
        return switch (hostExists(Hostnames.dropTrailingDot(h))) {
            case FOUND -> Status.DUNNO;
            case NOT_FOUND -> ev.reject(p.codes.unknownHostname(), "4.7.1", text);
            case TEMPORARY -> {
                ev.deferIfPermit(450, "4.7.1", text);
                yield Status.DUNNO;
            }
        };
    }

    enum Lookup { FOUND, NOT_FOUND, TEMPORARY }

    /** A, AAAA or MX records exist (Postfix's reject_unknown_hostname). */
    private Lookup hostExists(String name) {
        DnsResolver dns = p.dns();
        boolean temp = false;
        try {
            if (!dns.addresses(name).isEmpty()) {
                return Lookup.FOUND;
            }
        } catch (DnsTemporaryException e) {
            temp = true;
        }
        try {
            if (!dns.mx(name).isEmpty()) {
                return Lookup.FOUND;
            }
        } catch (DnsTemporaryException e) {
            temp = true;
        }
        return temp ? Lookup.TEMPORARY : Lookup.NOT_FOUND;
    }

    // ---------------------------------------------------------------- addresses

    static String domainOf(String addr) {
        int at = addr.lastIndexOf('@');
        if (at < 0) {
            return "";
        }
        String d = addr.substring(at + 1).toLowerCase(Locale.ROOT);
        if (d.startsWith("[")) {
            return d;
        }
        d = Hostnames.dropTrailingDot(d);
        try {
            return IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return d;
        }
    }

    /**
     * Source-routed or otherwise "routed" addresses (Postfix's RESOLVE_FLAG_ROUTED with
     * allow_untrusted_routing = no): a source route, or '@', '%' or '!' in the local part
     * ({@code user%other@ours}, {@code other!user@ours}, {@code "user@other"@ours}). They are never
     * an authorised destination, whatever the domain.
     */
    static boolean routed(String addr) {
        if (addr.startsWith("@")) {
            return true;
        }
        int at = addr.lastIndexOf('@');
        String local = at < 0 ? addr : addr.substring(0, at);
        return local.indexOf('@') >= 0 || local.indexOf('%') >= 0 || local.indexOf('!') >= 0;
    }

    Status permitAuthDestination(Eval ev, ListContext ctx) {
        String rcpt = ev.recipient;
        if (rcpt == null) {
            return Status.DUNNO;
        }
        return authorisedDestination(rcpt) ? Status.OK : Status.DUNNO;
    }

    boolean authorisedDestination(String rcpt) {
        if (rcpt.indexOf('@') < 0 || routed(rcpt)) {
            return false;
        }
        String domain = domainOf(rcpt);
        if (domain.isEmpty() || domain.startsWith("[")) {
            return false;
        }
        return p.isLocalDomain(domain) || p.isRelayDomain(domain);
    }

    Status rejectUnauthDestination(Eval ev, ListContext ctx) {
        String rcpt = ev.recipient;
        if (rcpt == null || authorisedDestination(rcpt)) {
            return Status.DUNNO;
        }
        return ev.reject(p.codes.relayDomains(), "5.7.1", "<" + rcpt + ">: Relay access denied");
    }

    Status rejectUnlistedRecipient(Eval ev, ListContext ctx) {
        String rcpt = ev.recipient;
        return rcpt == null || rcpt.isEmpty() ? Status.DUNNO : unlisted(ev, rcpt, RestrictionPolicy.RECIPIENT_CLASS);
    }

    Status rejectUnlistedSender(Eval ev, ListContext ctx) {
        String s = ev.sender;
        return s == null || s.isEmpty() ? Status.DUNNO : unlisted(ev, s, RestrictionPolicy.SENDER_CLASS);
    }

    /** Unknown users in our domains (Postfix's check_rcpt_maps for virtual mailbox domains). */
    Status unlisted(Eval ev, String addr, String replyClass) {
        boolean sender = replyClass.equals(RestrictionPolicy.SENDER_CLASS);
        if (sender) {
            if (ev.senderMapChecked) {
                return Status.DUNNO;
            }
            ev.senderMapChecked = true;
        } else {
            if (ev.recipientMapChecked) {
                return Status.DUNNO;
            }
            ev.recipientMapChecked = true;
        }
        String domain = domainOf(addr);
        if (domain.isEmpty() || domain.startsWith("[") || !p.isLocalDomain(domain)) {
            return Status.DUNNO;
        }
        if (!routed(addr) && resolve(addr).exists()) {
            return Status.DUNNO;
        }
        return ev.reject(p.codes.unknownVirtualMailbox(), sender ? "5.1.0" : "5.1.1",
                "<" + addr + ">: " + replyClass + " rejected: User unknown in virtual mailbox table");
    }

    private Directory.Resolution resolve(String addr) {
        Address a;
        try {
            a = Address.parse(addr, true);
        } catch (IllegalArgumentException e) {
            return Directory.Resolution.notFound("invalid address", List.of());
        }
        try {
            return p.directory.resolve(a);
        } catch (DirectoryUnavailableException e) {
            throw new Eval.Abort(Reply.of(451, "4.3.0", "<" + addr + ">: Temporary lookup failure"), "directory: " + e.getMessage());
        }
    }

    /** 552 5.2.2 when every final mailbox of a local recipient is already at or over its quota. */
    Status quota(Eval ev, String rcpt) {
        if (p.store == null || p.directory == null || routed(rcpt)) {
            return Status.DUNNO;
        }
        String domain = domainOf(rcpt);
        if (domain.isEmpty() || domain.startsWith("[") || !p.isLocalDomain(domain)) {
            return Status.DUNNO;
        }
        Directory.Resolution r = resolve(rcpt);
        if (r.mailboxes().isEmpty() || !r.forwards().isEmpty()) {
            return Status.DUNNO;
        }
        for (Directory.Mailbox m : r.mailboxes()) {
            if (m.quotaBytes() == null) {
                return Status.DUNNO;
            }
            long used;
            try {
                used = p.store.usage(m.address());
            } catch (RuntimeException e) {
                Eval.LOG.warn("cannot read quota usage of {}: {}", m.address(), e.getMessage());
                return Status.DUNNO; // the delivery itself will tell; never reject on a guess
            }
            if (used < m.quotaBytes()) {
                return Status.DUNNO;
            }
        }
        return ev.rejectHard(Eval.reply(552, "5.2.2", "<" + rcpt + ">: " + RestrictionPolicy.RECIPIENT_CLASS + " rejected: Mailbox full"));
    }

    Status rejectNonFqdnSender(Eval ev, ListContext ctx) {
        String s = ev.sender;
        return s == null || s.isEmpty() ? Status.DUNNO : nonFqdnAddress(ev, s, RestrictionPolicy.SENDER_CLASS);
    }

    Status rejectNonFqdnRecipient(Eval ev, ListContext ctx) {
        String r = ev.recipient;
        return r == null || r.isEmpty() ? Status.DUNNO : nonFqdnAddress(ev, r, RestrictionPolicy.RECIPIENT_CLASS);
    }

    private Status nonFqdnAddress(Eval ev, String addr, String replyClass) {
        String domain = domainOf(addr);
        if (domain.startsWith("[") && domain.endsWith("]")) {
            return Status.DUNNO;
        }
        if (domain.isEmpty() || !Hostnames.validHostname(domain) || domain.indexOf('.') < 0) {
            return ev.reject(p.codes.nonFqdn(), "4.5.2", "<" + addr + ">: " + replyClass + " rejected: need fully-qualified address");
        }
        return Status.DUNNO;
    }

    Status rejectUnknownSenderDomain(Eval ev, ListContext ctx) {
        String s = ev.sender;
        return s == null || s.isEmpty() ? Status.DUNNO : unknownAddress(ev, s, RestrictionPolicy.SENDER_CLASS);
    }

    Status rejectUnknownRecipientDomain(Eval ev, ListContext ctx) {
        String r = ev.recipient;
        return r == null || r.isEmpty() ? Status.DUNNO : unknownAddress(ev, r, RestrictionPolicy.RECIPIENT_CLASS);
    }

    /** Postfix's reject_unknown_address: MX (null MX refused, RFC 7505), else A/AAAA. */
    private Status unknownAddress(Eval ev, String addr, String replyClass) {
        if (addr.indexOf('@') < 0) {
            return Status.DUNNO;
        }
        String domain = domainOf(addr);
        if (domain.isEmpty() || domain.startsWith("[") || p.isLocalDomain(domain)) {
            return Status.DUNNO;
        }
        boolean sender = replyClass.equals(RestrictionPolicy.SENDER_CLASS);
        String dsn = sender ? "4.1.8" : "4.1.2";
        String text = "<" + addr + ">: " + replyClass + " rejected: Domain not found";
        DnsResolver dns = p.dns();
        Lookup result;
        try {
            List<DnsResolver.MxRecord> mx = dns.mx(domain);
            if (mx.size() == 1 && (mx.getFirst().host().equals(".") || mx.getFirst().host().isEmpty())) {
                // RFC 7505 null MX: the domain says it accepts no mail
                return sender
                        ? ev.reject(550, "5.7.27", "<" + addr + ">: " + replyClass + " rejected: Domain " + domain + " does not accept mail (nullMX)")
                        : ev.reject(556, "5.1.10", "<" + addr + ">: " + replyClass + " rejected: Domain " + domain + " does not accept mail (nullMX)");
            }
            result = mx.isEmpty() ? null : Lookup.FOUND;
        } catch (DnsTemporaryException e) {
            result = Lookup.TEMPORARY;
        }
        if (result == null) {
            try {
                result = dns.addresses(domain).isEmpty() ? Lookup.NOT_FOUND : Lookup.FOUND;
            } catch (DnsTemporaryException e) {
                result = Lookup.TEMPORARY;
            }
        }
        return switch (result) {
            case FOUND -> Status.DUNNO;
            case NOT_FOUND -> ev.reject(p.codes.unknownAddress(), dsn, text);
            case TEMPORARY -> {
                ev.deferIfPermit(450, dsn, text);
                yield Status.DUNNO;
            }
        };
    }

    Status rejectMultiRecipientBounce(Eval ev, ListContext ctx) {
        String s = ev.sender;
        int limit = ev.stage == SmtpPolicy.Stage.DATA || ev.stage == SmtpPolicy.Stage.END_OF_DATA ? 1 : 0;
        if (s != null && s.isEmpty() && ev.facts.recipientCount() > limit) {
            return ev.reject(p.codes.multiRecipientBounce(), "5.5.3", "<" + ctx.replyName() + ">: " + ctx.replyClass() + " rejected: Multi-recipient bounce");
        }
        return Status.DUNNO;
    }

    // ---------------------------------------------------------------- SASL sender ownership (seed 003 rules 3 and 4)

    private String stripExtension(String addr) {
        int at = addr.lastIndexOf('@');
        if (at <= 0 || p.delimiters.isEmpty()) {
            return addr;
        }
        String local = addr.substring(0, at);
        for (int i = 1; i < local.length(); i++) {
            if (p.delimiters.indexOf(local.charAt(i)) >= 0) {
                return local.substring(0, i) + addr.substring(at);
            }
        }
        return addr;
    }

    /** The seed's smtpd_sender_login_maps: an address is owned by the virtual user with that address. */
    private boolean ownedBy(String sender, String login) {
        String s = stripExtension(sender).toLowerCase(Locale.ROOT);
        int at = s.lastIndexOf('@');
        String normalised = at < 0 ? s : s.substring(0, at + 1) + domainOf(s);
        return normalised.equals(login.toLowerCase(Locale.ROOT));
    }

    Status rejectAuthenticatedSenderLoginMismatch(Eval ev, ListContext ctx) {
        String s = ev.sender;
        String login = ev.facts.saslUser();
        if (login == null || s == null || s.isEmpty() || ownedBy(s, login)) {
            return Status.DUNNO;
        }
        return ev.reject(553, "5.7.1", "<" + s + ">: Sender address rejected: not owned by user " + login);
    }

    Status rejectUnauthenticatedSenderLoginMismatch(Eval ev, ListContext ctx) {
        String s = ev.sender;
        if (ev.facts.saslUser() != null || s == null || s.isEmpty() || p.directory == null) {
            return Status.DUNNO;
        }
        String domain = domainOf(s);
        if (domain.isEmpty() || domain.startsWith("[") || !p.isLocalDomain(domain) || routed(s)) {
            return Status.DUNNO;
        }
        boolean owned;
        try {
            owned = p.directory.mailbox(Address.parse(stripExtension(s), true)).isPresent();
        } catch (IllegalArgumentException e) {
            owned = false;
        } catch (DirectoryUnavailableException e) {
            throw new Eval.Abort(Reply.of(451, "4.3.0", "<" + s + ">: Temporary lookup failure"), "directory: " + e.getMessage());
        }
        return owned ? ev.reject(553, "5.7.1", "<" + s + ">: Sender address rejected: not logged in") : Status.DUNNO;
    }

    // ---------------------------------------------------------------- access tables

    /** Host name then parent domains (fixed tables only), as Postfix's check_domain_access. */
    private String domainFind(Table t, String domain, boolean fullFirst) {
        if (domain.isEmpty()) {
            return null;
        }
        String name = domain.toLowerCase(Locale.ROOT);
        if (fullFirst || t.fixed()) {
            // pattern tables see the name as given (Postfix folds case only for fixed-string tables)
            String v = t.find(t.fixed() ? name : domain);
            if (v != null) {
                return v;
            }
        }
        if (!t.fixed() || Hostnames.validHostaddr(name)) {
            return null;
        }
        int next = name.indexOf('.', 1);
        while (next >= 0 && next < name.length() - 1) {
            String key = p.accessMapsParentStyle ? name.substring(next + 1) : name.substring(next);
            String v = t.find(key);
            if (v != null) {
                return v;
            }
            next = name.indexOf('.', next + 1);
        }
        return null;
    }

    /** The address, then its parent networks (fixed tables only): 192.0.2.1, 192.0.2, 192.0, 192. */
    private static String addrFind(Table t, String addr) {
        String v = t.find(addr);
        if (v != null || !t.fixed()) {
            return v;
        }
        char delim = addr.indexOf(':') >= 0 ? ':' : '.';
        String a = addr;
        int cut;
        while ((cut = a.lastIndexOf(delim)) > 0) {
            a = a.substring(0, cut);
            v = t.find(a);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** Postfix's check_mail_access order: user+ext@domain, user@domain, domain (and parents), user+ext@, user@. */
    private String mailFind(Table t, String addr) {
        String a = addr.toLowerCase(Locale.ROOT);
        String v = t.find(t.fixed() ? a : addr);
        if (v != null || !t.fixed()) {
            return v;
        }
        int at = a.lastIndexOf('@');
        String bare = stripExtension(a);
        if (!bare.equals(a)) {
            v = t.find(bare);
            if (v != null) {
                return v;
            }
        }
        if (at >= 0) {
            v = domainFind(t, a.substring(at + 1), false);
            if (v != null) {
                return v;
            }
            v = t.find(a.substring(0, at + 1));
            if (v != null) {
                return v;
            }
            int bat = bare.lastIndexOf('@');
            if (!bare.equals(a) && bat >= 0) {
                return t.find(bare.substring(0, bat + 1));
            }
        }
        return null;
    }

    Restriction clientAccess(Table t, boolean reverse) {
        return (ev, ctx) -> {
            if (ev.facts.clientIp() == null) {
                return Status.DUNNO;
            }
            String name = reverse ? ev.facts.reverseName() : ev.facts.clientName();
            if (name == null) {
                name = ClientIdentity.UNKNOWN;
            }
            String v = domainFind(t, name, true);
            if (v == null) {
                v = addrFind(t, ev.clientAddr());
            }
            return v == null ? Status.DUNNO
                    : TableActions.apply(p, ev, t.name(), v, ev.clientNamaddr(), RestrictionPolicy.CLIENT_CLASS,
                    reverse ? AccessKind.REVERSE_CLIENT : AccessKind.CLIENT);
        };
    }

    Restriction heloAccess(Table t) {
        return (ev, ctx) -> {
            String h = ev.facts.helo();
            if (h == null) {
                return Status.DUNNO;
            }
            String v = domainFind(t, h, true);
            return v == null ? Status.DUNNO : TableActions.apply(p, ev, t.name(), v, h, RestrictionPolicy.HELO_CLASS, AccessKind.HELO);
        };
    }

    Restriction senderAccess(Table t) {
        return (ev, ctx) -> {
            String s = ev.sender;
            if (s == null) {
                return Status.DUNNO;
            }
            String v = s.isEmpty() ? t.find(p.nullAccessKey) : mailFind(t, s);
            return v == null ? Status.DUNNO : TableActions.apply(p, ev, t.name(), v, s, RestrictionPolicy.SENDER_CLASS, AccessKind.SENDER);
        };
    }

    Restriction recipientAccess(Table t) {
        return (ev, ctx) -> {
            String r = ev.recipient;
            if (r == null) {
                return Status.DUNNO;
            }
            String v = mailFind(t, r);
            if (v == null) {
                return Status.DUNNO;
            }
            Status s = TableActions.apply(p, ev, t.name(), v, r, RestrictionPolicy.RECIPIENT_CLASS, AccessKind.RECIPIENT);
            // A routed recipient is too suspicious to be whitelisted (Postfix's allow_untrusted_routing = no).
            return s == Status.OK && routed(r) ? Status.DUNNO : s;
        };
    }

    /** Which servers of a domain check_*_{mx,ns,a}_access looks up in its table. */
    enum Servers {
        /** The mail exchangers (the domain itself when it has no MX). */
        MX,
        /** The name servers (of the closest parent zone with NS records, as Postfix walks up). */
        NS,
        /** The domain's own addresses. */
        A;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Postfix's check_*_mx_access / check_*_ns_access / check_*_a_access: the MX hosts of the domain
     * (the domain itself when it has no MX), its DNS servers, or the domain's own A/AAAA, looked up by
     * name and by address. These are blacklists: OK is refused as a configuration error, as in
     * Postfix. A DNS failure defers.
     */
    Restriction serverAccess(Table t, AccessKind kind, Servers servers) {
        return (ev, ctx) -> {
            String what;
            String replyClass;
            switch (kind) {
                case CLIENT, REVERSE_CLIENT -> {
                    what = ev.facts.clientName();
                    replyClass = RestrictionPolicy.CLIENT_CLASS;
                    if (what == null || what.equalsIgnoreCase(ClientIdentity.UNKNOWN)) {
                        return Status.DUNNO;
                    }
                }
                case HELO -> {
                    what = ev.facts.helo();
                    replyClass = RestrictionPolicy.HELO_CLASS;
                }
                case SENDER -> {
                    what = ev.sender;
                    replyClass = RestrictionPolicy.SENDER_CLASS;
                }
                default -> {
                    what = ev.recipient;
                    replyClass = RestrictionPolicy.RECIPIENT_CLASS;
                }
            }
            if (what == null || what.isEmpty()) {
                return Status.DUNNO;
            }
            int at = what.lastIndexOf('@');
            String domain = Hostnames.dropTrailingDot(at >= 0 ? domainOf(what) : what.toLowerCase(Locale.ROOT));
            String replyName = kind == AccessKind.CLIENT || kind == AccessKind.REVERSE_CLIENT ? ev.clientNamaddr() : what;
            Status s = serverAccess(ev, t, domain, servers, replyName, replyClass, kind);
            if (s == Status.OK) {
                Eval.LOG.warn("restriction check_*_{}_access returns OK for {}; this is not allowed for security reasons "
                        + "(use DUNNO to make an exception)", servers.label(), org.postern.core.Texts.safe(what));
                throw new Eval.Abort(Reply.of(451, "4.3.5", "Server configuration error"), t.name() + ": OK in a server access table");
            }
            return s;
        };
    }

    private Status serverAccess(Eval ev, Table t, String domain, Servers servers, String replyName, String replyClass, AccessKind kind) {
        if (domain.startsWith("[") && domain.endsWith("]")) {
            if (servers != Servers.MX) {
                return Status.DUNNO;
            }
            InetAddress lit = org.postern.smtp.policy.table.Cidr.literal(domain);
            String v = lit == null ? null : addrFind(t, Hostnames.text(lit));
            return v == null ? Status.DUNNO : TableActions.apply(p, ev, t.name(), v, replyName, replyClass, kind);
        }
        DnsResolver dns = p.dns();
        List<String> hosts = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>();
        try {
            switch (servers) {
                case MX -> {
                    for (DnsResolver.MxRecord r : dns.mx(domain)) {
                        if (!r.host().equals(".") && !r.host().isEmpty()) {
                            hosts.add(r.host());
                        }
                    }
                    if (hosts.isEmpty() && !dns.addresses(domain).isEmpty()) {
                        hosts.add(domain); // no MX: the domain is its own mail exchanger
                    }
                }
                case NS -> {
                    // Postfix (smtpd_check.c): no NS records for the name, try its parent, up to the top-level domain
                    for (String zone = domain; hosts.isEmpty() && zone != null; zone = parent(zone)) {
                        hosts.addAll(dns.ns(zone));
                    }
                }
                case A -> addresses.addAll(dns.addresses(domain));
            }
        } catch (DnsTemporaryException e) {
            ev.deferIfPermit(450, "4.4.3", "<" + replyName + ">: " + replyClass + " rejected: unable to look up "
                    + servers.name() + " records of " + domain);
            return Status.DUNNO;
        }
        for (String h : hosts) {
            String v = domainFind(t, h, true);
            if (v != null) {
                return TableActions.apply(p, ev, t.name(), v, replyName, replyClass, kind);
            }
            try {
                for (InetAddress a : dns.addresses(h)) {
                    v = addrFind(t, Hostnames.text(a));
                    if (v != null) {
                        return TableActions.apply(p, ev, t.name(), v, replyName, replyClass, kind);
                    }
                }
            } catch (DnsTemporaryException e) {
                ev.deferIfPermit(450, "4.4.3", "<" + replyName + ">: " + replyClass + " rejected: unable to look up "
                        + (servers == Servers.MX ? "mail exchanger " : "DNS server ") + h);
            }
        }
        for (InetAddress a : addresses) {
            String v = addrFind(t, Hostnames.text(a));
            if (v != null) {
                return TableActions.apply(p, ev, t.name(), v, replyName, replyClass, kind);
            }
        }
        return Status.DUNNO;
    }

    /** "a.b.example" -> "b.example"; null when only one label is left. */
    private static String parent(String domain) {
        int dot = domain.indexOf('.');
        return dot < 0 || dot == domain.length() - 1 ? null : domain.substring(dot + 1);
    }

    // ---------------------------------------------------------------- DNS lists

    enum RhsblTarget { CLIENT, REVERSE_CLIENT, SENDER, HELO, RECIPIENT }

    Restriction rblClient(Rbl.Spec spec) {
        return (ev, ctx) -> {
            InetAddress ip = ev.facts.clientIp();
            if (ip == null) {
                return Status.DUNNO;
            }
            String what = ev.clientAddr();
            return rbl(ev, spec, Rbl.reverse(ip) + "." + spec.domain(), what, RestrictionPolicy.CLIENT_CLASS);
        };
    }

    Restriction dnswlClient(Rbl.Spec spec) {
        return (ev, ctx) -> {
            InetAddress ip = ev.facts.clientIp();
            if (ip == null) {
                return Status.DUNNO;
            }
            try {
                return spec.matches(p.dns().a(Rbl.reverse(ip) + "." + spec.domain())) ? Status.OK : Status.DUNNO;
            } catch (DnsTemporaryException e) {
                return Status.DUNNO; // an allowlist that cannot answer allows nothing
            }
        };
    }

    Restriction rhswlClient(Rbl.Spec spec) {
        return (ev, ctx) -> {
            String name = ev.facts.clientName();
            if (name == null || name.equalsIgnoreCase(ClientIdentity.UNKNOWN)) {
                return Status.DUNNO;
            }
            try {
                return spec.matches(p.dns().a(name.toLowerCase(Locale.ROOT) + "." + spec.domain())) ? Status.OK : Status.DUNNO;
            } catch (DnsTemporaryException e) {
                return Status.DUNNO;
            }
        };
    }

    Restriction rhsbl(Rbl.Spec spec, RhsblTarget target) {
        return (ev, ctx) -> {
            String name;
            String replyClass;
            switch (target) {
                case CLIENT, REVERSE_CLIENT -> {
                    name = target == RhsblTarget.CLIENT ? ev.facts.clientName() : ev.facts.reverseName();
                    if (name == null || name.equalsIgnoreCase(ClientIdentity.UNKNOWN)) {
                        return Status.DUNNO;
                    }
                    replyClass = RestrictionPolicy.CLIENT_CLASS;
                }
                case SENDER -> {
                    String s = ev.sender;
                    if (s == null || s.isEmpty()) {
                        return Status.DUNNO;
                    }
                    name = domainOf(s);
                    replyClass = RestrictionPolicy.SENDER_CLASS;
                }
                case RECIPIENT -> {
                    String r = ev.recipient;
                    if (r == null || r.isEmpty()) {
                        return Status.DUNNO;
                    }
                    name = domainOf(r);
                    replyClass = RestrictionPolicy.RECIPIENT_CLASS;
                }
                case HELO -> {
                    name = ev.facts.helo();
                    replyClass = RestrictionPolicy.HELO_CLASS;
                }
                default -> throw new IllegalStateException();
            }
            if (name == null || name.isEmpty() || name.startsWith("[")) {
                return Status.DUNNO;
            }
            name = Hostnames.dropTrailingDot(name.toLowerCase(Locale.ROOT));
            return rbl(ev, spec, name + "." + spec.domain(), name, replyClass);
        };
    }

    private Status rbl(Eval ev, Rbl.Spec spec, String query, String what, String replyClass) {
        List<String> answers;
        try {
            answers = p.dns().a(query);
        } catch (DnsTemporaryException e) {
            // Postfix would pass here; Postern never lets a DNS failure pass: defer unless something else rejects.
            ev.deferIfPermit(450, "4.7.1", "Service temporarily unavailable; " + replyClass + " [" + what + "] could not be checked against "
                    + spec.domain() + ", try again later");
            return Status.DUNNO;
        }
        if (answers.isEmpty() || !spec.matches(answers)) {
            return Status.DUNNO;
        }
        String reason;
        try {
            reason = String.join(" / ", p.dns().txt(query));
        } catch (DnsTemporaryException e) {
            reason = "";
        }
        Map<String, String> vars = new LinkedHashMap<>(macros(ev));
        vars.put("rbl_code", Integer.toString(p.codes.mapsRbl()));
        vars.put("rbl_domain", spec.domain());
        vars.put("rbl_reason", reason);
        vars.put("rbl_txt", reason);
        vars.put("rbl_what", what);
        vars.put("rbl_class", replyClass);
        String text = Rbl.expand(p.rblTemplate, vars);
        if (text.length() < 4 || (text.charAt(0) != '4' && text.charAt(0) != '5') || !Character.isDigit(text.charAt(1))
                || !Character.isDigit(text.charAt(2)) || text.charAt(3) != ' ') {
            Eval.LOG.warn("rbl response code configuration error: {}", text);
            return ev.reject(450, "4.7.1", "Service unavailable");
        }
        String[] split = Eval.dsnSplit("4.7.1", text.substring(4));
        return ev.reject(Integer.parseInt(text.substring(0, 3)), split[0], split[1].isEmpty() ? "Service unavailable" : split[1]);
    }

    /** Postfix's smtpd macros for reply templates. */
    static Map<String, String> macros(Eval ev) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("client", ev.clientNamaddr());
        m.put("client_address", ev.clientAddr());
        m.put("client_name", ev.facts.clientName() == null ? ClientIdentity.UNKNOWN : ev.facts.clientName());
        m.put("reverse_client_name", ev.facts.reverseName() == null ? ClientIdentity.UNKNOWN : ev.facts.reverseName());
        m.put("helo_name", ev.facts.helo() == null ? "" : ev.facts.helo());
        addr(m, "sender", ev.sender);
        addr(m, "recipient", ev.recipient);
        return m;
    }

    private static void addr(Map<String, String> m, String prefix, String a) {
        if (a == null) {
            m.put(prefix, "");
            m.put(prefix + "_name", "");
            m.put(prefix + "_domain", "");
            return;
        }
        m.put(prefix, a.isEmpty() ? "<>" : a);
        int at = a.lastIndexOf('@');
        m.put(prefix + "_name", a.isEmpty() ? "<>" : at < 0 ? a : a.substring(0, at));
        m.put(prefix + "_domain", at < 0 ? "" : a.substring(at + 1));
    }

    // ---------------------------------------------------------------- policy delegation

    Restriction policyService(PolicyService service) {
        return (ev, ctx) -> {
            String action;
            try {
                action = service.query(ev);
            } catch (IOException e) {
                Eval.LOG.warn("problem talking to server {}: {}", service.name(), e.getMessage());
                return ev.rejectHard(Reply.of(451, "4.3.5", "Server configuration problem"));
            }
            return TableActions.apply(p, ev, service.name(), action, ctx.replyName(), ctx.replyClass(), ctx.defaultAcl());
        };
    }

    // ---------------------------------------------------------------- configuration help

    private static final List<String> KNOWN = List.of("permit", "reject", "defer", "warn_if_reject", "defer_if_permit", "defer_if_reject",
            "permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination", "permit_auth_destination",
            "reject_unlisted_recipient", "reject_unlisted_sender", "reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname",
            "reject_unknown_helo_hostname", "reject_non_fqdn_sender", "reject_non_fqdn_recipient", "reject_unknown_sender_domain",
            "reject_unknown_recipient_domain", "reject_unknown_client_hostname", "reject_unknown_reverse_client_hostname",
            "reject_unauth_pipelining", "reject_multi_recipient_bounce", "reject_rbl_client", "permit_dnswl_client",
            "reject_rhsbl_client", "reject_rhsbl_reverse_client", "reject_rhsbl_sender", "reject_rhsbl_helo", "reject_rhsbl_recipient",
            "permit_rhswl_client", "check_client_access", "check_reverse_client_hostname_access", "check_helo_access",
            "check_sender_access", "check_recipient_access", "check_policy_service", "reject_authenticated_sender_login_mismatch",
            "reject_unauthenticated_sender_login_mismatch", "reject_sender_login_mismatch", "reject_plaintext_session",
            "check_client_mx_access", "check_client_a_access", "check_helo_mx_access", "check_helo_a_access", "check_sender_mx_access",
            "check_sender_a_access", "check_recipient_mx_access", "check_recipient_a_access", "check_client_ns_access",
            "check_helo_ns_access", "check_sender_ns_access", "check_recipient_ns_access");

    static String suggest(String word) {
        String best = org.postern.core.Suggest.closest(word, KNOWN, 4);
        return best != null ? " (did you mean \"" + best + "\"?)" : "";
    }

    static List<String> known() {
        return new ArrayList<>(KNOWN);
    }
}
