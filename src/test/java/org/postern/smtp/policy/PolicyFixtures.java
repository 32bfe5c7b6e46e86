package org.postern.smtp.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.postern.core.Address;
import org.postern.core.DnsResolver;
import org.postern.core.config.Config;
import org.postern.core.config.Setting;
import org.postern.directory.Directory;
import org.postern.server.config.AllSettings;
import org.postern.smtp.policy.SmtpPolicy.Facts;
import org.postern.store.MailStore;

/** In-memory directory, store and DNS for the policy's pure-logic tests, and a Facts builder. */
final class PolicyFixtures {
    private PolicyFixtures() {
    }

    static Config config(Map<Setting<?>, String> overrides) {
        return Config.defaults(AllSettings.list()).with(overrides);
    }

    static final class MemDirectory implements Directory {
        final Set<String> domains = new HashSet<>();
        final Map<String, Long> users = new HashMap<>(); // address -> quota (or null)
        final Map<String, List<String>> aliases = new HashMap<>();
        boolean down;

        MemDirectory domain(String d) {
            domains.add(d);
            return this;
        }

        MemDirectory user(String a, Long quota) {
            users.put(a, quota);
            return this;
        }

        MemDirectory alias(String a, String... targets) {
            aliases.put(a, List.of(targets));
            return this;
        }

        @Override
        public boolean isLocalDomain(String domain) {
            if (down) {
                throw new DirectoryUnavailableException("database down", null);
            }
            return domains.contains(domain);
        }

        @Override
        public Resolution resolve(Address address) {
            if (down) {
                throw new DirectoryUnavailableException("database down", null);
            }
            String key = address.key();
            int plus = address.localPart().indexOf('+');
            if (plus > 0) {
                key = address.localPart().substring(0, plus).toLowerCase() + "@" + address.domain();
            }
            if (users.containsKey(key)) {
                return new Resolution(List.of(new Mailbox(Address.parse(key), users.get(key))), List.of(), null, List.of());
            }
            if (aliases.containsKey(key)) {
                List<Mailbox> boxes = new ArrayList<>();
                List<Address> fwd = new ArrayList<>();
                for (String t : aliases.get(key)) {
                    if (users.containsKey(t)) {
                        boxes.add(new Mailbox(Address.parse(t), users.get(t)));
                    } else {
                        fwd.add(Address.parse(t));
                    }
                }
                return new Resolution(boxes, fwd, null, List.of(key));
            }
            return Resolution.notFound("no such user", List.of());
        }

        @Override
        public Optional<Mailbox> mailbox(Address address) {
            return users.containsKey(address.key()) ? Optional.of(new Mailbox(address, users.get(address.key()))) : Optional.empty();
        }

        @Override
        public Optional<String> passwordHash(String login) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    static final class MemStore implements MailStore {
        final Map<String, Long> usage = new HashMap<>();

        @Override
        public Result deliver(Request request) {
            throw new UnsupportedOperationException("the policy never delivers");
        }

        @Override
        public long usage(Address mailbox) {
            return usage.getOrDefault(mailbox.key(), 0L);
        }

        @Override
        public void addListener(DeliveryListener listener) {
        }

        @Override
        public void removeListener(DeliveryListener listener) {
        }
    }

    /** A zone in memory; names in {@code failing} raise a temporary failure. */
    static final class MemDns implements DnsResolver {
        final Map<String, List<String>> a = new HashMap<>();
        final Map<String, List<String>> txt = new HashMap<>();
        final Map<String, List<MxRecord>> mx = new HashMap<>();
        final Map<String, List<String>> ns = new HashMap<>();
        final Map<String, List<String>> ptr = new HashMap<>();
        final Set<String> failing = new HashSet<>();

        private void check(String name) {
            if (failing.contains(name)) {
                throw new DnsTemporaryException("SERVFAIL for " + name, null);
            }
        }

        @Override
        public <T extends org.postern.core.DnsRecord> org.postern.core.DnsAnswer<T> lookup(String name, org.postern.core.DnsType<T> type) {
            return org.postern.testkit.ListZone.answer(this, name, type);
        }

        @Override
        public List<InetAddress> addresses(String hostname) {
            check(hostname);
            List<InetAddress> out = new ArrayList<>();
            for (String s : a.getOrDefault(hostname, List.of())) {
                out.add(org.postern.smtp.policy.table.Cidr.literal(s));
            }
            return out;
        }

        @Override
        public List<String> ptr(InetAddress address) {
            check(address.getHostAddress());
            return ptr.getOrDefault(address.getHostAddress(), List.of());
        }

        @Override
        public List<MxRecord> mx(String domain) {
            check(domain);
            return mx.getOrDefault(domain, List.of());
        }

        @Override
        public List<String> ns(String domain) {
            check(domain);
            return ns.getOrDefault(domain, List.of());
        }

        @Override
        public List<String> txt(String name) {
            check(name);
            return txt.getOrDefault(name, List.of());
        }

        @Override
        public List<String> a(String name) {
            check(name);
            return a.getOrDefault(name, List.of());
        }
    }

    /** Builds Facts: a remote client 192.0.2.10 "mx.remote.example" that said EHLO, unless changed. */
    static final class F {
        String listener = "smtp";
        InetAddress ip = org.postern.smtp.policy.table.Cidr.literal("192.0.2.10");
        String name = "mx.remote.example";
        String reverse = "mx.remote.example";
        boolean nameTemp;
        String helo = "mx.remote.example";
        String protocol = "ESMTP";
        String sender;
        String rcpt;
        int count;
        String sasl;
        boolean pipelining;

        F ip(String s) {
            ip = org.postern.smtp.policy.table.Cidr.literal(s);
            return this;
        }

        F name(String n) {
            name = n;
            reverse = n;
            return this;
        }

        F names(String n, String r, boolean temp) {
            name = n;
            reverse = r;
            nameTemp = temp;
            return this;
        }

        F helo(String h) {
            helo = h;
            return this;
        }

        F from(String s) {
            sender = s;
            return this;
        }

        F to(String r) {
            rcpt = r;
            return this;
        }

        F count(int c) {
            count = c;
            return this;
        }

        F sasl(String u) {
            sasl = u;
            return this;
        }

        F pipelining() {
            pipelining = true;
            return this;
        }

        Facts build() {
            return new Facts(listener, ip, name, reverse, nameTemp, helo, protocol, sender, rcpt, count, sasl, false, pipelining);
        }
    }

    static F facts() {
        return new F();
    }
}
