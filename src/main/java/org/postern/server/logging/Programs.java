package org.postern.server.logging;

import java.util.Map;

/**
 * The one table that decides how a logger name appears as a syslog program, so log lines read like
 * the classic stack's and existing log analysers and fail2ban filters work on them:
 * <ul>
 * <li>Postfix programs ({@code smtpd}, {@code qmgr}, ...): {@code <syslog_name>/smtpd[pid]: message},
 *     severity as Postfix writes it ({@code warning: }, {@code error: }). A name with a slash keeps its
 *     service prefix ({@code submission/smtpd} gives {@code postfix/submission/smtpd}).</li>
 * <li>Dovecot processes ({@code imap-login}, {@code imap}, {@code auth}, ...): {@code dovecot[pid]: imap-login: message},
 *     severity as Dovecot writes it ({@code Warning: }, {@code Error: }).</li>
 * <li>Everything else: Postern's own components ({@code directory}, {@code store}, ...) as
 *     {@code postern/directory[pid]: }, the logger {@code postern} as {@code postern[pid]: }, and
 *     class-named loggers (libraries) as {@code postern[pid]: SimpleName: }.</li>
 * </ul>
 */
final class Programs {
    private Programs() {
    }

    enum Family { POSTFIX, DOVECOT, POSTERN }

    private static final Map<String, Family> TABLE = Map.ofEntries(
            // Postfix daemons and commands
            Map.entry("smtpd", Family.POSTFIX), Map.entry("postscreen", Family.POSTFIX),
            Map.entry("dnsblog", Family.POSTFIX), Map.entry("anvil", Family.POSTFIX),
            Map.entry("cleanup", Family.POSTFIX), Map.entry("qmgr", Family.POSTFIX),
            Map.entry("pickup", Family.POSTFIX), Map.entry("local", Family.POSTFIX),
            Map.entry("virtual", Family.POSTFIX), Map.entry("lmtp", Family.POSTFIX),
            Map.entry("smtp", Family.POSTFIX), Map.entry("bounce", Family.POSTFIX),
            Map.entry("error", Family.POSTFIX), Map.entry("discard", Family.POSTFIX),
            Map.entry("pipe", Family.POSTFIX), Map.entry("postsuper", Family.POSTFIX),
            Map.entry("postqueue", Family.POSTFIX), Map.entry("sendmail", Family.POSTFIX),
            Map.entry("tlsmgr", Family.POSTFIX), Map.entry("tlsproxy", Family.POSTFIX),
            Map.entry("scache", Family.POSTFIX), Map.entry("verify", Family.POSTFIX),
            Map.entry("master", Family.POSTFIX), Map.entry("trivial-rewrite", Family.POSTFIX),
            // Dovecot processes
            Map.entry("imap", Family.DOVECOT), Map.entry("imap-login", Family.DOVECOT),
            Map.entry("pop3", Family.DOVECOT), Map.entry("pop3-login", Family.DOVECOT),
            Map.entry("submission-login", Family.DOVECOT), Map.entry("managesieve", Family.DOVECOT),
            Map.entry("managesieve-login", Family.DOVECOT), Map.entry("auth", Family.DOVECOT),
            Map.entry("lda", Family.DOVECOT), Map.entry("sieve", Family.DOVECOT),
            Map.entry("indexer", Family.DOVECOT), Map.entry("doveadm", Family.DOVECOT));

    static Family family(String loggerName) {
        int slash = loggerName.lastIndexOf('/');
        String last = slash >= 0 ? loggerName.substring(slash + 1) : loggerName;
        return TABLE.getOrDefault(last, Family.POSTERN);
    }

    /**
     * Appends "program[pid]: " and any per-family prefix (Dovecot's process name, a class name, the
     * severity) for one event.
     */
    static void prefix(StringBuilder sb, String loggerName, String syslogName, long pid, Severity severity) {
        switch (family(loggerName)) {
            case POSTFIX -> {
                sb.append(syslogName).append('/').append(loggerName).append('[').append(pid).append("]: ");
                sb.append(severity.postfix);
            }
            case DOVECOT -> {
                sb.append("dovecot[").append(pid).append("]: ").append(loggerName).append(": ");
                sb.append(severity.dovecot);
            }
            case POSTERN -> {
                if (loggerName.equals("postern")) {
                    sb.append("postern[").append(pid).append("]: ");
                } else if (loggerName.indexOf('.') >= 0 || loggerName.isEmpty()) {
                    sb.append("postern[").append(pid).append("]: ")
                            .append(loggerName.substring(loggerName.lastIndexOf('.') + 1)).append(": ");
                } else {
                    sb.append("postern/").append(loggerName).append('[').append(pid).append("]: ");
                }
                sb.append(severity.postfix);
            }
        }
    }

    /** How each family marks a severity (info and debug carry no mark, as in Postfix's logs). */
    enum Severity {
        ERROR("error: ", "Error: "), WARN("warning: ", "Warning: "), INFO("", ""), DEBUG("", "Debug: ");

        final String postfix;
        final String dovecot;

        Severity(String postfix, String dovecot) {
            this.postfix = postfix;
            this.dovecot = dovecot;
        }
    }
}
