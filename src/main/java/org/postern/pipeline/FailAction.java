package org.postern.pipeline;

import java.util.Locale;
import org.postern.core.Reply;

/**
 * What a failing verdict does (Maddy's {@code fail_action}): configuration, not code. A check
 * reports REJECT, TEMPFAIL or QUARANTINE; the action configured for that check turns it into one of
 * <ul>
 *   <li>{@code as_reported} (the default): the check's own action;</li>
 *   <li>{@code reject} / {@code tempfail}: refuse (the check's reply, or a generic one of the right class);</li>
 *   <li>{@code quarantine}: accept into the recipients' quarantine;</li>
 *   <li>{@code ignore}: accept, keep its headers and Authentication-Results;</li>
 *   <li>{@code score N}: accept and add N to the message's score.</li>
 * </ul>
 */
public record FailAction(Kind kind, double score) {

    public enum Kind { AS_REPORTED, REJECT, TEMPFAIL, QUARANTINE, IGNORE, SCORE }

    public static final FailAction AS_REPORTED = new FailAction(Kind.AS_REPORTED, 0);

    /** Parses "reject", "tempfail", "quarantine", "ignore", "as_reported" or "score 5.5". */
    public static FailAction parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("score")) {
            String n = t.substring(5).strip();
            try {
                return new FailAction(Kind.SCORE, Double.parseDouble(n));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fail action 'score' needs a number, e.g. \"score 5\", got \"" + text + "\"");
            }
        }
        return switch (t) {
            case "as_reported", "" -> AS_REPORTED;
            case "reject" -> new FailAction(Kind.REJECT, 0);
            case "tempfail", "defer" -> new FailAction(Kind.TEMPFAIL, 0);
            case "quarantine" -> new FailAction(Kind.QUARANTINE, 0);
            case "ignore" -> new FailAction(Kind.IGNORE, 0);
            default -> throw new IllegalArgumentException("unknown fail action \"" + text
                    + "\" (expected as_reported, reject, tempfail, quarantine, ignore or score N)");
        };
    }

    /** Applies this action to a verdict; verdicts that do not fail pass unchanged. */
    public Verdict apply(Verdict v) {
        boolean failed = v.action().refuses() || v.action() == Verdict.Action.QUARANTINE;
        if (!failed || kind == Kind.AS_REPORTED) {
            return v;
        }
        return switch (kind) {
            case AS_REPORTED -> v;
            case REJECT -> v.withAction(Verdict.Action.REJECT, v.reply() != null && v.reply().code() / 100 == 5 ? v.reply()
                    : Reply.of(550, "5.7.1", "Message rejected by policy"));
            case TEMPFAIL -> v.withAction(Verdict.Action.TEMPFAIL, v.reply() != null && v.reply().code() / 100 == 4 ? v.reply()
                    : Reply.of(451, "4.7.1", "Message deferred by policy, try again later"));
            case QUARANTINE -> v.withAction(Verdict.Action.QUARANTINE, null);
            case IGNORE -> v.withAction(Verdict.Action.ACCEPT, null);
            case SCORE -> v.withAction(Verdict.Action.ACCEPT, null).withScore(v.score() + score);
        };
    }
}
