package org.postern.smtp.queue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.core.Reply;
import org.postern.core.Texts;
import org.postern.directory.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler (Postfix's qmgr): takes committed messages into the active queue, hands their
 * recipients to transports on virtual threads within the per-destination and total concurrency
 * limits, records outcomes, retries deferred mail with backoff, and sends bounces, delay warnings,
 * success notices and postmaster notices.
 *
 * <p>Order of durable steps after an attempt: notices are committed to the queue first, then the
 * message's state is written (or the message removed). A crash in between repeats a notice rather
 * than losing it (at-least-once).
 */
final class Qmgr implements QueueAdmin, AutoCloseable {
    private static final Logger QMGR = LoggerFactory.getLogger("qmgr");
    private static final Logger BOUNCE = LoggerFactory.getLogger("bounce");
    private static final Logger POSTSUPER = LoggerFactory.getLogger("postsuper");

    static final String REMOTE_UNAVAILABLE = "delivery temporarily suspended: remote delivery is not available yet";

    private final QueueStore store;
    private final QueueConfig cfg;
    private final Map<String, Transport> transports;
    private final Predicate<String> isLocalDomain;
    private final Notices notices;
    private final ConcurrentSkipListMap<String, QueuedMessage> messages = new ConcurrentSkipListMap<>();
    private final LinkedBlockingQueue<QueuedMessage> ready = new LinkedBlockingQueue<>();
    private final Semaphore activeSlots;
    private final Semaphore processSlots;
    private final Destinations destinations = new Destinations();
    private ExecutorService workers;
    private Thread dispatcher;
    private ScheduledExecutorService timer;
    private volatile boolean started;
    private volatile boolean closing;

    Qmgr(QueueStore store, QueueConfig cfg, Map<String, Transport> transports, Predicate<String> isLocalDomain) {
        this.store = store;
        this.cfg = cfg;
        this.transports = Map.copyOf(transports);
        this.isLocalDomain = isLocalDomain;
        this.notices = new Notices(cfg);
        this.activeSlots = new Semaphore(cfg.activeLimit());
        this.processSlots = new Semaphore(cfg.processLimit());
    }

    /** Registers a committed or recovered message; new active mail is scheduled at once. */
    void add(QueuedMessage m) {
        messages.put(m.id, m);
        if (started && QueueStore.ACTIVE.equals(m.queue)) {
            schedule(m);
        }
    }

    synchronized void start() {
        if (started) {
            return;
        }
        workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("delivery-", 0).factory());
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("qmgr-timer").daemon().factory());
        dispatcher = Thread.ofVirtual().name("qmgr").start(this::dispatch);
        started = true;
        for (QueuedMessage m : messages.values()) {
            if (QueueStore.ACTIVE.equals(m.queue)) {
                schedule(m);
            }
        }
        queueRun(false);
        long delay = Math.max(1, cfg.queueRunDelay().toMillis());
        timer.scheduleWithFixedDelay(() -> queueRun(false), delay, delay, TimeUnit.MILLISECONDS);
    }

    /** A deferred-queue scan: schedules every message whose retry time has come (or all, when forced). */
    int queueRun(boolean force) {
        Instant now = Instant.now();
        int n = 0;
        for (QueuedMessage m : messages.values()) {
            boolean due;
            synchronized (m) {
                if (QueueStore.HOLD.equals(m.queue) || m.running) {
                    continue;
                }
                if (force) {
                    m.state.nextAttempt = null;
                }
                due = m.state.nextAttempt == null || !m.state.nextAttempt.isAfter(now);
            }
            if (due && schedule(m)) {
                n++;
            }
        }
        return n;
    }

    private boolean schedule(QueuedMessage m) {
        synchronized (m) {
            if (m.running || m.deleteRequested || QueueStore.HOLD.equals(m.queue) || closing || !messages.containsKey(m.id)) {
                return false;
            }
            m.running = true;
        }
        // Fast path: nothing waiting and a slot free: start the attempt here instead of handing the
        // message to the dispatcher thread (one thread wake-up less per message).
        if (ready.isEmpty() && activeSlots.tryAcquire()) {
            start(m);
            return true;
        }
        ready.add(m);
        return true;
    }

    private void dispatch() {
        while (!closing) {
            QueuedMessage m;
            try {
                m = ready.take();
                activeSlots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            if (!start(m)) {
                return; // executor shut down
            }
        }
    }

    /** Runs one attempt of {@code m} in a delivery thread; the caller holds an active slot. False when shut down. */
    private boolean start(QueuedMessage m) {
        try {
            workers.submit(() -> {
                try {
                    attempt(m);
                } catch (RuntimeException | Error e) {
                    QMGR.error("{}: internal error during delivery: {}", m.id, e.toString(), e);
                } finally {
                    afterRun(m);
                    activeSlots.release();
                }
            });
            return true;
        } catch (RuntimeException e) {
            activeSlots.release();
            synchronized (m) {
                m.running = false;
            }
            return false;
        }
    }

    /** Ends a run; applies an admin delete or hold that arrived after the attempt looked for it. */
    private void afterRun(QueuedMessage m) {
        boolean delete;
        boolean hold;
        synchronized (m) {
            m.running = false;
            delete = m.deleteRequested && messages.containsKey(m.id);
            hold = !delete && m.holdRequested;
            m.holdRequested = false;
        }
        if (delete) {
            removeNow(m, POSTSUPER);
        } else if (hold) {
            try {
                store.move(m, QueueStore.HOLD);
                POSTSUPER.info("{}: placed on hold", m.id);
            } catch (IOException e) {
                QMGR.warn("{}: cannot put on hold: {}", m.id, e.getMessage());
            }
        }
    }

    // ---- one delivery attempt ----------------------------------------------------------------

    private record Route(Transport transport, String destination, Reply reply, String detail) {
    }

    private Route route(Address rcpt) {
        boolean local;
        try {
            local = isLocalDomain.test(rcpt.domain());
        } catch (Directory.DirectoryUnavailableException e) {
            return new Route(null, null, Reply.of(451, "4.3.0", "directory unavailable"),
                    "directory unavailable: " + Texts.safe(e.getMessage(), 200));
        }
        Transport t = transports.get(local ? "local" : "smtp");
        if (t == null) {
            return local ? new Route(null, null, Reply.of(451, "4.3.0", "mail transport unavailable"), "mail transport unavailable")
                    : new Route(null, null, Reply.of(451, "4.4.1", REMOTE_UNAVAILABLE), REMOTE_UNAVAILABLE);
        }
        return new Route(t, t.name() + ":" + t.destination(rcpt), null, null);
    }

    private int limit(Transport t) {
        return "local".equals(t.name()) ? cfg.localDestinationConcurrency() : cfg.defaultDestinationConcurrency();
    }

    void attempt(QueuedMessage m) {
        Instant activeAt = Instant.now();
        m.activeAt = activeAt;
        Envelope env = m.envelope;
        QMGR.info("{}: from=<{}>, size={}, nrcpt={} (queue active)", m.id, sender(env), m.size(), env.recipients().size());

        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        Map<String, Transport> groupTransport = new LinkedHashMap<>();
        for (int i = 0; i < env.recipients().size(); i++) {
            if (m.state.rcpt[i].status != MessageState.Status.PENDING || m.state.rcpt[i].unreported) {
                continue;
            }
            Route r = route(env.recipients().get(i).address());
            if (r.transport() == null) {
                Transport.Result res = new Transport.Result(r.reply(), "none", r.detail(), List.of(), false);
                apply(m, i, res, "qmgr", activeAt, activeAt, Instant.now());
                continue;
            }
            groups.computeIfAbsent(r.destination(), k -> new ArrayList<>()).add(i);
            groupTransport.put(r.destination(), r.transport());
        }
        int left = groups.size();
        for (var g : groups.entrySet()) {
            left--;
            synchronized (m) {
                if (m.deleteRequested || closing) {
                    break;
                }
            }
            Transport t = groupTransport.get(g.getKey());
            List<Envelope.Recipient> rcpts = g.getValue().stream().map(i -> env.recipients().get(i)).toList();
            List<Transport.Result> results;
            Instant start;
            try {
                destinations.acquire(g.getKey(), limit(t));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                processSlots.acquireUninterruptibly();
                start = Instant.now();
                try {
                    results = t.deliver(new Transport.Request(m.id, env, rcpts, m.body()));
                    if (results == null || results.size() != rcpts.size()) {
                        throw new IllegalStateException("transport " + t.name() + " returned " + (results == null ? "no" : results.size())
                                + " results for " + rcpts.size() + " recipients");
                    }
                } catch (RuntimeException e) {
                    QMGR.warn("{}: transport {} failed: {}", m.id, t.name(), e.toString());
                    String detail = "internal software error in the " + t.name() + " transport";
                    errorNotice(m, "software", detail);
                    results = rcpts.stream().map(r -> new Transport.Result(Reply.of(451, "4.3.0", "internal software error"),
                            t.name(), detail, List.of(), false)).toList();
                } finally {
                    processSlots.release();
                }
            } finally {
                destinations.release(g.getKey());
            }
            Instant end = Instant.now();
            boolean doneSome = false;
            for (int k = 0; k < rcpts.size(); k++) {
                doneSome |= apply(m, g.getValue().get(k), results.get(k), t.name(), activeAt, start, end);
            }
            if (doneSome && left > 0) {
                // Record per-recipient completion before the next destination (DESIGN §8): a crash
                // later in this attempt does not deliver these recipients again.
                try {
                    store.writeState(m);
                } catch (IOException e) {
                    QMGR.warn("{}: cannot record delivery state: {}", m.id, e.getMessage());
                }
            }
        }
        finish(m);
    }

    /** Records one recipient's outcome and logs it; returns true when it is now done (delivered). */
    private boolean apply(QueuedMessage m, int idx, Transport.Result res, String agent, Instant activeAt, Instant start, Instant end) {
        Envelope.Recipient rcpt = m.envelope.recipients().get(idx);
        Reply reply = res.reply();
        if (cfg.softBounce() && reply.isPermanent()) {
            reply = reply.withCode(reply.code() - 100); // soft_bounce: 5xx becomes 4xx (550 -> 450)
        }
        String detail = res.detail() != null ? Texts.safe(res.detail(), 900) : reply.oneLine();
        String status;
        boolean done = false;
        if (reply.isPositive() && !res.forwards().isEmpty()) {
            try {
                String fid = forward(m, rcpt, res.forwards());
                detail = detail + "; forwarded as " + fid;
            } catch (IOException e) {
                QMGR.warn("{}: cannot queue forwarded message: {}", m.id, e.getMessage());
                errorNotice(m, "resource", "cannot queue forwarded message: " + e.getMessage());
                reply = Reply.of(451, "4.3.0", "cannot queue forwarded message");
                detail = "cannot queue forwarded message: " + Texts.safe(e.getMessage(), 200);
            }
        }
        MessageState.Rcpt r = m.state.rcpt[idx];
        synchronized (m) {
            r.reply = reply;
            r.detail = detail;
            r.remote = res.remoteDiagnostic();
            if (reply.isPositive()) {
                r.status = MessageState.Status.DONE;
                r.action = !res.forwards().isEmpty() ? "expanded" : "local".equals(agent) ? "delivered" : "relayed";
                boolean cleared = cfg.confirmDelayCleared() && m.state.delayWarned && wants(rcpt, Envelope.Notify.DELAY);
                r.unreported = m.envelope.sender() != null && (rcpt.notifyOn().contains(Envelope.Notify.SUCCESS) || cleared);
                status = "sent";
                done = true;
            } else if (reply.isPermanent()) {
                r.status = MessageState.Status.FAILED;
                r.action = "failed";
                r.unreported = true;
                status = "bounced";
            } else {
                status = "deferred";
            }
        }
        if (reply.status() != null && reply.status().subject() == 3 && reply.status().detail() == 1) {
            // x.3.1 "mail system full": a resource problem of ours
            errorNotice(m, "resource", detail);
        }
        logDelivery(m, rcpt, res.relay() == null ? agent : res.relay(), agent, reply, status, detail, activeAt, start, end);
        return done;
    }

    private void logDelivery(QueuedMessage m, Envelope.Recipient rcpt, String relay, String agent, Reply reply, String status,
                             String detail, Instant activeAt, Instant start, Instant end) {
        Instant arrival = m.envelope.arrival();
        String orig = originalRecipient(rcpt);
        StringBuilder sb = new StringBuilder(200);
        sb.append(m.id).append(": to=<").append(rcpt.address()).append('>');
        if (orig != null && !orig.equalsIgnoreCase(rcpt.address().toString())) {
            sb.append(", orig_to=<").append(Texts.safe(orig, 300)).append('>');
        }
        sb.append(", relay=").append(Texts.safe(relay, 300))
                .append(", delay=").append(secs(Duration.between(arrival, end)))
                .append(", delays=").append(secs(Duration.between(arrival, activeAt))).append('/')
                .append(secs(Duration.between(activeAt, start))).append("/0/")
                .append(secs(Duration.between(start, end)))
                .append(", dsn=").append(dsn(reply))
                .append(", status=").append(status).append(" (").append(detail).append(')');
        LoggerFactory.getLogger(agent).info(sb.toString());
    }

    static String originalRecipient(Envelope.Recipient rcpt) {
        String o = rcpt.orcpt();
        if (o == null) {
            return null;
        }
        int semi = o.indexOf(';');
        return semi >= 0 ? o.substring(semi + 1).strip() : o;
    }

    static String dsn(Reply reply) {
        return reply.status() != null ? reply.status().toString() : (reply.code() / 100) + ".0.0";
    }

    /** Seconds as Postfix prints delays: two significant digits below 10, whole seconds above 100. */
    static String secs(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 10) {
            return "0";
        }
        if (ms >= 100_000) {
            return Long.toString((ms + 500) / 1000);
        }
        // hundredths below 10 s, tenths below 100 s, trailing zeros dropped ("0.1", "2", "12.5")
        return java.math.BigDecimal.valueOf(ms, 3).setScale(ms < 10_000 ? 2 : 1, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }

    private static String sender(Envelope env) {
        return env.sender() == null ? "" : env.sender().toString();
    }

    /** RFC 3461 4.1: an empty NOTIFY means FAILURE and DELAY; NEVER means nothing. */
    static boolean wants(Envelope.Recipient r, Envelope.Notify what) {
        if (r.notifyOn().isEmpty()) {
            return what == Envelope.Notify.FAILURE || what == Envelope.Notify.DELAY;
        }
        return r.notifyOn().contains(what);
    }

    /** Postfix's backoff: the time since arrival, clamped to [minimal_backoff_time, maximal_backoff_time] (doubles each retry). */
    static Duration backoff(Duration age, QueueConfig cfg) {
        if (age.compareTo(cfg.minimalBackoff()) < 0) {
            return cfg.minimalBackoff();
        }
        if (age.compareTo(cfg.maximalBackoff()) > 0) {
            return cfg.maximalBackoff();
        }
        return age;
    }

    /** Queues the alias targets as a new message (Postfix local(8) "forwarded as ID"). */
    private String forward(QueuedMessage m, Envelope.Recipient rcpt, List<Address> targets) throws IOException {
        String orcpt = rcpt.orcpt() != null ? rcpt.orcpt() : "rfc822;" + rcpt.address();
        List<Envelope.Recipient> rs = targets.stream().map(a -> new Envelope.Recipient(a, rcpt.notifyOn(), orcpt)).toList();
        Envelope e = m.envelope;
        Envelope fe = new Envelope(e.sender(), rs, e.dsnRet(), e.dsnEnvid(), e.bodyType(), e.smtputf8(), e.client(), Instant.now(), false);
        return store.inject(fe, (out, newId) -> QueueStore.copyBody(m, out));
    }

    private void finish(QueuedMessage m) {
        Instant now = Instant.now();
        boolean delete;
        synchronized (m) {
            delete = m.deleteRequested;
        }
        if (delete) {
            removeNow(m, POSTSUPER);
            return;
        }
        MessageState st = m.state;
        Duration age = Duration.between(m.envelope.arrival(), now);
        boolean expired = false;
        boolean delayDue;
        synchronized (m) {
            if (pendingUntried(st) > 0 && age.compareTo(notices.lifetime(m)) >= 0) {
                expired = true;
                for (MessageState.Rcpt r : st.rcpt) {
                    if (r.status == MessageState.Status.PENDING && !r.unreported) {
                        r.status = MessageState.Status.FAILED;
                        r.action = "failed";
                        r.unreported = true;
                        if (r.reply == null) {
                            r.reply = Reply.of(450, "4.4.7", "message delivery expired");
                            r.detail = "message delivery expired";
                        }
                    }
                }
            }
            delayDue = !expired && !cfg.delayWarningTime().isZero() && !st.delayWarned && pendingUntried(st) > 0
                    && age.compareTo(cfg.delayWarningTime()) >= 0;
        }
        if (expired) {
            QMGR.info("{}: from=<{}>, status=expired, returned to sender", m.id, sender(m.envelope));
        }
        try {
            sendNotices(m, delayDue, now);
        } catch (IOException e) {
            QMGR.warn("{}: cannot queue delivery status notification: {}", m.id, e.getMessage());
            errorNotice(m, "resource", "cannot queue delivery status notification: " + e.getMessage());
        }
        boolean remove;
        boolean hold;
        synchronized (m) {
            remove = allSettled(st);
            hold = m.holdRequested;
            m.holdRequested = false;
            if (!remove) {
                st.attempts++;
                st.nextAttempt = now.plus(backoff(age, cfg));
            }
        }
        if (remove) {
            removeNow(m, QMGR);
            return;
        }
        try {
            store.writeState(m);
            store.move(m, hold ? QueueStore.HOLD : QueueStore.DEFERRED);
            if (hold) {
                POSTSUPER.info("{}: placed on hold", m.id);
            }
        } catch (IOException e) {
            QMGR.warn("{}: cannot record deferral: {}", m.id, e.getMessage());
            errorNotice(m, "resource", "cannot record deferral: " + e.getMessage());
        }
    }

    private static int pendingUntried(MessageState st) {
        int n = 0;
        for (MessageState.Rcpt r : st.rcpt) {
            if (r.status == MessageState.Status.PENDING && !r.unreported) {
                n++;
            }
        }
        return n;
    }

    private static boolean allSettled(MessageState st) {
        for (MessageState.Rcpt r : st.rcpt) {
            if (r.status == MessageState.Status.PENDING || r.unreported) {
                return false;
            }
        }
        return true;
    }

    private void removeNow(QueuedMessage m, Logger log) {
        try {
            store.remove(m);
            messages.remove(m.id, m);
            log.info("{}: removed", m.id);
        } catch (IOException e) {
            QMGR.warn("{}: cannot remove queue file: {}", m.id, e.getMessage());
        }
    }

    // ---- notices -------------------------------------------------------------------------------

    private void sendNotices(QueuedMessage m, boolean delayDue, Instant now) throws IOException {
        Envelope env = m.envelope;
        Address sender = env.sender();
        boolean postmasterNotice = sender != null && sender.equals(cfg.doubleBounceAddress());
        List<Integer> failed = new ArrayList<>();
        List<Integer> succeeded = new ArrayList<>();
        List<Integer> pending = new ArrayList<>();
        synchronized (m) {
            for (int i = 0; i < m.state.rcpt.length; i++) {
                MessageState.Rcpt r = m.state.rcpt[i];
                if (r.unreported && r.status == MessageState.Status.FAILED) {
                    failed.add(i);
                } else if (r.unreported && r.status == MessageState.Status.DONE) {
                    succeeded.add(i);
                } else if (r.status == MessageState.Status.PENDING) {
                    pending.add(i);
                }
            }
        }
        if (!failed.isEmpty()) {
            if (postmasterNotice) {
                // Never a triple bounce (Postfix bounce_notify_service).
                QMGR.warn("{}: undeliverable postmaster notification discarded", m.id);
            } else if (sender == null) {
                if (cfg.notify("2bounce") || cfg.notify("bounce")) {
                    String nid = inject(Notices.Kind.DOUBLE_BOUNCE, m, reports(m, failed, null), cfg.qualify(cfg.twoBounceNoticeRecipient()), now);
                    BOUNCE.info("{}: postmaster non-delivery notification: {}", m.id, nid);
                } else {
                    BOUNCE.info("{}: undeliverable bounce discarded (notify_classes has no 2bounce)", m.id);
                }
            } else {
                List<Integer> wanted = failed.stream().filter(i -> wants(env.recipients().get(i), Envelope.Notify.FAILURE)).toList();
                if (!wanted.isEmpty()) {
                    String nid = inject(Notices.Kind.FAILURE, m, reports(m, wanted, null), sender, now);
                    BOUNCE.info("{}: sender non-delivery notification: {}", m.id, nid);
                }
                if (cfg.notify("bounce")) {
                    String nid = inject(Notices.Kind.POSTMASTER_BOUNCE, m, reports(m, failed, null), cfg.qualify(cfg.bounceNoticeRecipient()), now);
                    BOUNCE.info("{}: postmaster non-delivery notification: {}", m.id, nid);
                }
            }
            synchronized (m) {
                failed.forEach(i -> m.state.rcpt[i].unreported = false);
            }
        }
        if (!succeeded.isEmpty()) {
            if (sender != null && !postmasterNotice) {
                String nid = inject(Notices.Kind.SUCCESS, m, reports(m, succeeded, null), sender, now);
                BOUNCE.info("{}: sender delivery status notification: {}", m.id, nid);
            }
            synchronized (m) {
                succeeded.forEach(i -> m.state.rcpt[i].unreported = false);
            }
        }
        if (delayDue && !pending.isEmpty()) {
            List<Integer> wanted = pending.stream().filter(i -> wants(env.recipients().get(i), Envelope.Notify.DELAY)).toList();
            if (sender != null && !postmasterNotice && !wanted.isEmpty()) {
                String nid = inject(Notices.Kind.DELAY, m, reports(m, wanted, "delayed"), sender, now);
                BOUNCE.info("{}: sender delay notification: {}", m.id, nid);
            }
            if (cfg.notify("delay") && !postmasterNotice) {
                String nid = inject(Notices.Kind.POSTMASTER_DELAY, m, reports(m, pending, "delayed"), cfg.qualify(cfg.delayNoticeRecipient()), now);
                BOUNCE.info("{}: postmaster delay notification: {}", m.id, nid);
            }
            synchronized (m) {
                m.state.delayWarned = true;
            }
        }
    }

    private List<Notices.Report> reports(QueuedMessage m, List<Integer> idx, String action) {
        List<Notices.Report> out = new ArrayList<>();
        synchronized (m) {
            for (int i : idx) {
                MessageState.Rcpt r = m.state.rcpt[i];
                out.add(new Notices.Report(m.envelope.recipients().get(i), action != null ? action : r.action != null ? r.action : "failed",
                        r.reply, r.detail, r.remote));
            }
        }
        return out;
    }

    private String inject(Notices.Kind kind, QueuedMessage m, List<Notices.Report> reports, Address to, Instant now) throws IOException {
        Address from = kind.toPostmaster() ? cfg.doubleBounceAddress() : null;
        Envelope e = new Envelope(from, List.of(new Envelope.Recipient(to, Set.of(), null)), null, null, "8BITMIME",
                m.envelope.smtputf8() || to.needsUtf8(), null, now, false);
        return store.inject(e, (out, newId) -> notices.write(out, newId, kind, m, reports, to, now));
    }

    /** A postmaster notice for notify_classes resource/software, once per message per run of the server. */
    private void errorNotice(QueuedMessage m, String klass, String detail) {
        if (!cfg.notify(klass)) {
            return;
        }
        synchronized (m) {
            if (m.errorNoticed) {
                return;
            }
            m.errorNoticed = true;
        }
        try {
            List<Notices.Report> reports = new ArrayList<>();
            for (Envelope.Recipient r : m.envelope.recipients()) {
                reports.add(new Notices.Report(r, "delayed", Reply.of(451, "4.3.0", klass + " problem"), detail, false));
            }
            String nid = inject(Notices.Kind.POSTMASTER_ERROR, m, reports, cfg.qualify(cfg.errorNoticeRecipient()), Instant.now());
            BOUNCE.info("{}: postmaster {} notification: {}", m.id, klass, nid);
        } catch (IOException | RuntimeException e) {
            QMGR.warn("{}: cannot queue postmaster notice: {}", m.id, e.getMessage());
        }
    }

    // ---- administration ------------------------------------------------------------------------

    private static final String ALL = "ALL";

    private List<QueuedMessage> select(String idOrAll) {
        if (ALL.equals(idOrAll)) {
            return new ArrayList<>(messages.values());
        }
        QueuedMessage m = messages.get(idOrAll.toUpperCase(Locale.ROOT));
        return m == null ? List.of() : List.of(m);
    }

    @Override
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        for (QueuedMessage m : messages.values()) {
            out.add(entry(m));
        }
        return out;
    }

    private static Entry entry(QueuedMessage m) {
        synchronized (m) {
            List<Recipient> rs = new ArrayList<>();
            for (int i = 0; i < m.state.rcpt.length; i++) {
                MessageState.Rcpt r = m.state.rcpt[i];
                if (r.status == MessageState.Status.PENDING || r.unreported) {
                    rs.add(new Recipient(m.envelope.recipients().get(i).address().toString(), r.detail));
                }
            }
            String queue = m.running ? QueueStore.ACTIVE : m.queue;
            return new Entry(m.id, m.size(), m.envelope.arrival(), sender(m.envelope), queue, m.running, rs);
        }
    }

    @Override
    public Optional<Details> show(String id) throws IOException {
        List<QueuedMessage> sel = ALL.equals(id) ? List.of() : select(id);
        if (sel.isEmpty()) {
            return Optional.empty();
        }
        QueuedMessage m = sel.getFirst();
        List<String> headers;
        try (var in = m.body().open()) {
            headers = Headers.read(in);
        }
        synchronized (m) {
            return Optional.of(new Details(entry(m), m.envelope, m.messageId, headers, m.state.nextAttempt, m.state.attempts));
        }
    }

    @Override
    public int flush() {
        return queueRun(true);
    }

    @Override
    public int delete(String idOrAll) {
        int n = 0;
        for (QueuedMessage m : select(idOrAll)) {
            boolean running;
            synchronized (m) {
                if (m.deleteRequested) {
                    continue;
                }
                m.deleteRequested = true;
                running = m.running;
            }
            n++;
            if (!running) {
                removeNow(m, POSTSUPER);
            }
        }
        return n;
    }

    @Override
    public int hold(String idOrAll) {
        int n = 0;
        for (QueuedMessage m : select(idOrAll)) {
            synchronized (m) {
                if (QueueStore.HOLD.equals(m.queue) || m.deleteRequested) {
                    continue;
                }
                if (m.running) {
                    if (!m.holdRequested) {
                        m.holdRequested = true;
                        n++;
                    }
                    continue;
                }
                try {
                    store.move(m, QueueStore.HOLD);
                } catch (IOException e) {
                    QMGR.warn("{}: cannot put on hold: {}", m.id, e.getMessage());
                    continue;
                }
            }
            POSTSUPER.info("{}: placed on hold", m.id);
            n++;
        }
        return n;
    }

    @Override
    public int release(String idOrAll) {
        int n = 0;
        for (QueuedMessage m : select(idOrAll)) {
            synchronized (m) {
                if (m.holdRequested) {
                    m.holdRequested = false;
                    n++;
                    continue;
                }
                if (!QueueStore.HOLD.equals(m.queue)) {
                    continue;
                }
                try {
                    store.move(m, QueueStore.DEFERRED);
                } catch (IOException e) {
                    QMGR.warn("{}: cannot release from hold: {}", m.id, e.getMessage());
                    continue;
                }
                m.state.nextAttempt = null;
            }
            POSTSUPER.info("{}: released from hold", m.id);
            n++;
            if (started) {
                schedule(m);
            }
        }
        return n;
    }

    int size() {
        return messages.size();
    }

    @Override
    public void close() {
        closing = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(20, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
