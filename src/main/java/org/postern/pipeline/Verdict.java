package org.postern.pipeline;

import java.util.List;
import java.util.Objects;
import org.postern.core.Reply;

/**
 * What one check says about one stage of a message (DESIGN §4.1-4.3, Maddy's {@code CheckResult}):
 * an action, the reply a client sees when the action refuses the command, the check's name, a
 * private detail for the log (which restriction, table or rule decided; never sent to the client),
 * Authentication-Results entries, header fields to add, header names whose incoming fields are to be
 * removed, and a score contribution. A check reports; the pipeline's {@link FailAction}s decide what
 * a failure does.
 *
 * @param action   what to do with the command (or, from the body stage, the message)
 * @param reply    the client's reply for REJECT and TEMPFAIL (4xx for TEMPFAIL, 5xx for REJECT); may be
 *                 null otherwise
 * @param check    the check's name (filled in by the pipeline when a check leaves it null)
 * @param detail   private log detail, or null
 * @param results  Authentication-Results entries (RFC 8601)
 * @param add      header fields to add (prepended, in order)
 * @param remove   names of incoming header fields to remove (case-insensitive)
 * @param score    a score contribution (spam scoring); 0 when the check does not score
 */
public record Verdict(Action action, Reply reply, String check, String detail, List<AuthResult> results, List<HeaderField> add,
                      List<String> remove, double score) {

    /** The actions, from harmless to final. */
    public enum Action {
        /** Go on (the default). */
        ACCEPT,
        /** Refuse the command permanently (5xx). */
        REJECT,
        /** Refuse the command temporarily (4xx). */
        TEMPFAIL,
        /** Accept, then deliver to the recipients' quarantine (Junk) instead of the inbox. */
        QUARANTINE,
        /** Accept and drop silently (logged). */
        DISCARD,
        /** Accept and put the message on hold in the queue. */
        HOLD;

        /** Whether this action ends the command with an error reply. */
        public boolean refuses() {
            return this == REJECT || this == TEMPFAIL;
        }
    }

    /** Accept with nothing to add. */
    public static final Verdict ACCEPT = new Verdict(Action.ACCEPT, null, null, null, List.of(), List.of(), List.of(), 0);

    public Verdict {
        Objects.requireNonNull(action, "action");
        results = List.copyOf(results);
        add = List.copyOf(add);
        remove = List.copyOf(remove);
        if (action.refuses()) {
            Objects.requireNonNull(reply, "a refusing verdict needs a reply");
            if (action == Action.TEMPFAIL && reply.code() / 100 != 4) {
                throw new IllegalArgumentException("TEMPFAIL needs a 4xx reply, got " + reply.code());
            }
            if (action == Action.REJECT && reply.code() / 100 != 5) {
                throw new IllegalArgumentException("REJECT needs a 5xx reply, got " + reply.code());
            }
        }
    }

    /** REJECT or TEMPFAIL, chosen by the reply's code class. */
    public static Verdict refuse(Reply reply, String check, String detail) {
        return new Verdict(reply.code() / 100 == 4 ? Action.TEMPFAIL : Action.REJECT, reply, check, detail, List.of(), List.of(),
                List.of(), 0);
    }

    public static Verdict of(Action action, String check, String detail) {
        return new Verdict(action, null, check, detail, List.of(), List.of(), List.of(), 0);
    }

    public Verdict withCheck(String name) {
        return new Verdict(action, reply, name, detail, results, add, remove, score);
    }

    public Verdict withAction(Action a, Reply r) {
        return new Verdict(a, r, check, detail, results, add, remove, score);
    }

    public Verdict withAdd(List<HeaderField> fields) {
        return new Verdict(action, reply, check, detail, results, fields, remove, score);
    }

    public Verdict withResults(List<AuthResult> r) {
        return new Verdict(action, reply, check, detail, r, add, remove, score);
    }

    public Verdict withScore(double s) {
        return new Verdict(action, reply, check, detail, results, add, remove, s);
    }

    public Verdict withRemove(List<String> names) {
        return new Verdict(action, reply, check, detail, results, add, names, score);
    }
}
