package org.postern.codec.smtp;

import java.util.Locale;

/**
 * One SMTP/LMTP command line split into its verb and argument (RFC 5321 §4.1.1). The verb is
 * case-insensitive; the argument is everything after the first space, with the separator removed
 * and trailing spaces kept off. No I/O, no regular expressions.
 *
 * @param verb     the recognised verb, or {@link Verb#UNKNOWN}
 * @param verbText the verb as the client sent it (for "unknown command" logs, already bounded)
 * @param argument the rest of the line ("" when none)
 */
public record SmtpCommand(Verb verb, String verbText, String argument) {

    /** Commands we know by name; anything else is UNKNOWN. */
    public enum Verb {
        HELO, EHLO, LHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, HELP, VRFY, EXPN, STARTTLS, AUTH, ETRN;

        /** The verb as written in logs and the disconnect summary (lower case). */
        public String logName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The longest verb we keep for logs. */
    private static final int MAX_VERB = 16;

    /**
     * Splits a command line (without its CRLF). Leading spaces are tolerated as Postfix does;
     * a verb is a run of characters up to the first space.
     *
     * @return the command; {@code verb} is null when the verb is not one we know
     */
    public static SmtpCommand parse(String line) {
        int i = 0;
        int n = line.length();
        while (i < n && line.charAt(i) == ' ') {
            i++;
        }
        int start = i;
        while (i < n && line.charAt(i) != ' ') {
            i++;
        }
        String word = line.substring(start, i);
        while (i < n && line.charAt(i) == ' ') {
            i++;
        }
        int end = n;
        while (end > i && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        String arg = line.substring(i, end);
        return new SmtpCommand(lookup(word), word.length() > MAX_VERB ? word.substring(0, MAX_VERB) : word, arg);
    }

    private static Verb lookup(String word) {
        if (word.length() < 4 || word.length() > 8) {
            return null;
        }
        for (Verb v : Verb.values()) {
            if (v.name().equalsIgnoreCase(word)) {
                return v;
            }
        }
        return null;
    }

    public boolean known() {
        return verb != null;
    }

    public boolean hasArgument() {
        return !argument.isEmpty();
    }
}
