package org.postern.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.postern.codec.smtp.MailFrom;
import org.postern.codec.smtp.RcptTo;
import org.postern.core.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of one listener, in order, with their fail actions, and the stage runner that runs
 * them for a session (DESIGN §2, §4.1-4.3, §4.8).
 *
 * <p>Per stage the runner asks every check in order and merges their verdicts: the first refusing
 * verdict (after its check's {@link FailAction}) ends the stage and is the command's answer; the
 * others' header fields, Authentication-Results and scores accumulate for the transaction;
 * QUARANTINE, DISCARD and HOLD mark the whole message. A check that throws is a 451 4.3.5, logged
 * with its name, never a pass. The runner enforces its contract (OkHttp's chain): every state it
 * begins is closed exactly once, and no stage runs on a closed state; a violation throws
 * {@link IllegalStateException} naming the check.
 */
public final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger("pipeline");

    /** A check and what its failures do. */
    public record Entry(Check check, FailAction failAction) {
        public Entry {
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(failAction, "failAction");
        }
    }

    private final List<Entry> entries;
    private final String authservId;

    /**
     * @param authservId the authserv-id of our Authentication-Results (RFC 8601 §2.5), default
     *                   myhostname; incoming fields claiming it are removed (§5)
     */
    public Pipeline(List<Entry> entries, String authservId) {
        this.entries = List.copyOf(entries);
        this.authservId = Objects.requireNonNull(authservId, "authservId");
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Entry e : this.entries) {
            if (!names.add(e.check().name())) {
                throw new IllegalArgumentException("check " + e.check().name() + " appears twice in one pipeline");
            }
        }
    }

    /** Checks with their configured fail actions ({@code name -> action}); unknown names are errors. */
    public static Pipeline of(List<Check> checks, Map<String, FailAction> failActions, String authservId) {
        List<Entry> out = new ArrayList<>();
        for (Check c : checks) {
            out.add(new Entry(c, failActions.getOrDefault(c.name(), FailAction.AS_REPORTED)));
        }
        for (String n : failActions.keySet()) {
            if (checks.stream().noneMatch(c -> c.name().equals(n))) {
                throw new IllegalArgumentException("check_fail_actions: there is no check named \"" + n + "\" on this listener"
                        + " (checks: " + String.join(", ", checks.stream().map(Check::name).toList()) + ")");
            }
        }
        return new Pipeline(out, authservId);
    }

    public String authservId() {
        return authservId;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Begins the runner for one session; the caller closes it when the session ends. */
    public Run begin(SessionInfo session) {
        return new Run(session);
    }

    /** One stage's merged outcome. */
    public record Outcome(Verdict.Action action, Reply reply, String check, String detail) {
        static final Outcome ACCEPT = new Outcome(Verdict.Action.ACCEPT, null, null, null);

        public boolean refused() {
            return action.refuses();
        }

        /** "check (detail)" for log lines, or null. */
        public String decidedBy() {
            if (check == null) {
                return null;
            }
            return detail == null || detail.isBlank() ? check : check + " (" + detail + ")";
        }
    }

    /** A state and the bookkeeping that enforces the contract. */
    private static final class Guarded {
        final Entry entry;
        final CheckState state;
        boolean closed;

        Guarded(Entry entry, CheckState state) {
            this.entry = entry;
            this.state = state;
        }
    }

    /** The runner for one session. Not thread-safe: one session, one thread. */
    public final class Run implements AutoCloseable {
        private final SessionInfo session;
        private List<Guarded> states;
        private boolean transactionSeen;
        private boolean closed;
        private final List<Guarded> begun = new ArrayList<>();

        // accumulated for the session (connect, helo) and for the transaction
        private final List<HeaderField> sessionPrepend = new ArrayList<>();
        private final List<HeaderField> prepend = new ArrayList<>();
        private final List<HeaderField> bodyAdd = new ArrayList<>();
        private final List<String> remove = new ArrayList<>();
        private final List<AuthResult> results = new ArrayList<>();
        private double score;
        private Verdict.Action mark = Verdict.Action.ACCEPT;
        private String markCheck;
        private String markDetail;

        private Run(SessionInfo session) {
            this.session = session;
            this.states = beginAll();
        }

        private List<Guarded> beginAll() {
            List<Guarded> out = new ArrayList<>(entries.size());
            for (Entry e : entries) {
                CheckState s = Objects.requireNonNull(e.check().begin(session), () -> "check " + e.check().name() + " began a null state");
                Guarded g = new Guarded(e, s);
                out.add(g);
                begun.add(g);
            }
            return out;
        }

        public Outcome connect() {
            return stage("CONNECT", s -> s.connect(), true);
        }

        public Outcome helo(String name) {
            return stage("HELO", s -> s.helo(name), true);
        }

        /** MAIL: a new transaction (states of an earlier one are closed and new ones begun). */
        public Outcome mail(MailFrom mail) {
            if (transactionSeen) {
                endTransaction();
            }
            transactionSeen = true;
            return stage("MAIL", s -> s.mail(mail), false);
        }

        public Outcome rcpt(RcptTo rcpt) {
            return stage("RCPT", s -> s.rcpt(rcpt), false);
        }

        public Outcome data() {
            return stage("DATA", CheckState::data, false);
        }

        /** End of data: body-stage checks see the spooled message and the fields decided before them. */
        public Outcome body(org.postern.core.MessageSource spooled) {
            ensureOpen();
            List<HeaderField> added = new ArrayList<>(bodyAdd);
            for (Guarded g : states) {
                Verdict v = ask(g, "END-OF-MESSAGE", s -> s.body(new MessageView(spooled, added)));
                Outcome o = merge(g, v, false, added);
                if (o != null) {
                    return o;
                }
            }
            bodyAdd.clear();
            bodyAdd.addAll(added);
            return marked();
        }

        private Outcome stage(String stage, Function<CheckState, Verdict> call, boolean session) {
            ensureOpen();
            for (Guarded g : states) {
                Verdict v = ask(g, stage, call);
                Outcome o = merge(g, v, session, null);
                if (o != null) {
                    return o;
                }
            }
            return session ? Outcome.ACCEPT : marked();
        }

        private Verdict ask(Guarded g, String stage, Function<CheckState, Verdict> call) {
            if (g.closed) {
                throw new ContractViolation("check " + g.entry.check().name() + ": stage " + stage + " called on a closed state");
            }
            try {
                Verdict v = call.apply(g.state);
                return v == null ? Verdict.ACCEPT : v;
            } catch (ContractViolation e) {
                throw e;
            } catch (RuntimeException e) {
                // a failing check must not pass mail nor drop the client without a word (Postfix's
                // "Server configuration problem")
                LOG.error("check {} failed at {} for {}[{}]: {}", g.entry.check().name(), stage, session.clientName(),
                        session.clientIp() == null ? "unknown" : session.clientIp().getHostAddress(), e.toString(), e);
                return Verdict.refuse(Reply.of(451, "4.3.5", "Server configuration problem"), g.entry.check().name(),
                        "internal error: " + e);
            }
        }

        /** Folds one verdict into the transaction; returns the outcome when it ends the stage. */
        private Outcome merge(Guarded g, Verdict raw, boolean sessionStage, List<HeaderField> bodyFields) {
            String name = g.entry.check().name();
            Verdict v = g.entry.failAction().apply(raw.check() == null ? raw.withCheck(name) : raw);
            if (v.action().refuses()) {
                return new Outcome(v.action(), v.reply(), v.check(), v.detail());
            }
            if (bodyFields != null) {
                bodyFields.addAll(v.add());
            } else if (sessionStage) {
                addUnique(sessionPrepend, v.add());
            } else {
                addUnique(prepend, v.add());
            }
            results.addAll(v.results());
            remove.addAll(v.remove());
            score += v.score();
            if (!sessionStage && v.action() != Verdict.Action.ACCEPT && rank(v.action()) > rank(mark)) {
                mark = v.action();
                markCheck = v.check();
                markDetail = v.detail();
            }
            return null;
        }

        private static void addUnique(List<HeaderField> into, List<HeaderField> add) {
            for (HeaderField f : add) {
                if (!into.contains(f)) {
                    into.add(f);
                }
            }
        }

        /** DISCARD beats HOLD beats QUARANTINE. */
        private static int rank(Verdict.Action a) {
            return switch (a) {
                case DISCARD -> 3;
                case HOLD -> 2;
                case QUARANTINE -> 1;
                default -> 0;
            };
        }

        private Outcome marked() {
            return mark == Verdict.Action.ACCEPT ? Outcome.ACCEPT : new Outcome(mark, null, markCheck, markDetail);
        }

        /**
         * Header fields decided before the content (session and transaction PREPENDs), to be written
         * in front of our Received header when DATA starts; each is taken once.
         */
        public List<HeaderField> takePrepend() {
            List<HeaderField> out = new ArrayList<>(sessionPrepend);
            out.addAll(prepend);
            prepend.clear();
            return out;
        }

        /** What the transaction marked the message with (ACCEPT, QUARANTINE, DISCARD, HOLD). */
        public Verdict.Action mark() {
            return mark;
        }

        public double score() {
            return score;
        }

        /** Fields decided at end of data, for the header block: ONE Authentication-Results first, then the others. */
        public List<HeaderField> headerBlockFields() {
            List<HeaderField> out = new ArrayList<>();
            if (!results.isEmpty()) {
                out.add(authenticationResults(authservId, results));
            }
            out.addAll(prepend); // PREPENDs decided after DATA started (end-of-data restrictions)
            out.addAll(bodyAdd);
            return out;
        }

        /**
         * Lower-case names of incoming fields to remove. Authentication-Results is handled apart: only
         * those claiming our authserv-id go (RFC 8601 §5).
         */
        public List<String> removals() {
            return remove.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList();
        }

        /** The transaction is over (message accepted or refused, RSET, EHLO): its states are closed. */
        public void endTransaction() {
            ensureOpen();
            closeStates();
            states = beginAll();
            transactionSeen = false;
            prepend.clear();
            bodyAdd.clear();
            remove.clear();
            results.clear();
            score = 0;
            mark = Verdict.Action.ACCEPT;
            markCheck = null;
            markDetail = null;
        }

        private void closeStates() {
            for (Guarded g : states) {
                closeOne(g);
            }
        }

        private void closeOne(Guarded g) {
            if (g.closed) {
                throw new ContractViolation("check " + g.entry.check().name() + ": state closed twice");
            }
            g.closed = true;
            try {
                g.state.close();
            } catch (RuntimeException e) {
                LOG.error("check {}: close failed: {}", g.entry.check().name(), e.toString(), e);
            }
        }

        private void ensureOpen() {
            if (closed) {
                throw new ContractViolation("pipeline run used after the session closed it");
            }
        }

        /** Ends the session: closes the current states and verifies that every state begun was closed once. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closeStates();
            closed = true;
            for (Guarded g : begun) {
                if (!g.closed) {
                    throw new ContractViolation("check " + g.entry.check().name() + ": state was never closed");
                }
            }
            begun.clear();
        }
    }

    /** One Authentication-Results field (RFC 8601 §2.2) for our authserv-id. */
    static HeaderField authenticationResults(String authservId, List<AuthResult> results) {
        StringBuilder sb = new StringBuilder(authservId);
        if (results.isEmpty()) {
            sb.append("; none");
        }
        for (AuthResult r : results) {
            sb.append(";\t").append(r.text()); // a tab, so the folder can break between resinfos
        }
        return new HeaderField("Authentication-Results", sb.toString());
    }
}
