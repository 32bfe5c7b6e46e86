package org.postern.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One line per event in the format of Postfix's {@code maillog_file} and syslog:
 * {@code Nov 21 15:37:01 myhostname postfix/smtpd[12345]: message} (program from {@link Programs}).
 * Every control character of the message (CR, LF, TAB, other C0/C1, DEL, U+2028/2029) is escaped
 * ({@code \n}, {@code \x1b}), so no client text can forge a second log line. An exception is summarised
 * on the same line; its stack trace is appended (tab-indented lines) only when the logger is at debug.
 */
public final class SyslogLayout extends LayoutBase<ILoggingEvent> {
    /** Postfix's own format ("%b %d %H:%M:%S"). */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss", Locale.ROOT);

    private final String hostname;
    private final String syslogName;
    private final long pid;
    private final ZoneId zone;
    /** The formatted time of the last second seen (thousands of lines share it under load). */
    private volatile Stamp stamp;

    private record Stamp(long second, String text) {
    }

    public SyslogLayout(String hostname, String syslogName, long pid, ZoneId zone) {
        this.hostname = hostname;
        this.syslogName = syslogName;
        this.pid = pid;
        this.zone = zone;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(time(event.getTimeStamp())).append(' ').append(hostname).append(' ');
        Programs.prefix(sb, event.getLoggerName(), syslogName, pid, severity(event.getLevel()));
        escape(sb, event.getFormattedMessage());
        IThrowableProxy tp = event.getThrowableProxy();
        if (tp != null) {
            if (debugEnabled(event.getLoggerName())) {
                sb.append('\n');
                stackTrace(sb, tp, "\t");
            } else {
                sb.append(" (");
                summary(sb, tp);
                IThrowableProxy root = tp;
                for (int depth = 0; root.getCause() != null && depth < 20; depth++) {
                    root = root.getCause();
                }
                if (root != tp) {
                    sb.append("; caused by ");
                    summary(sb, root);
                }
                sb.append(')');
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    private String time(long millis) {
        long second = Math.floorDiv(millis, 1000);
        Stamp st = stamp;
        if (st == null || st.second != second) {
            st = new Stamp(second, TIME.format(Instant.ofEpochSecond(second).atZone(zone)));
            stamp = st;
        }
        return st.text;
    }

    private static Programs.Severity severity(Level level) {
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return Programs.Severity.ERROR;
        }
        if (level.isGreaterOrEqual(Level.WARN)) {
            return Programs.Severity.WARN;
        }
        return level.isGreaterOrEqual(Level.INFO) ? Programs.Severity.INFO : Programs.Severity.DEBUG;
    }

    private boolean debugEnabled(String loggerName) {
        return getContext() instanceof LoggerContext lc
                && !lc.getLogger(loggerName).getEffectiveLevel().isGreaterOrEqual(Level.INFO);
    }

    private static void summary(StringBuilder sb, IThrowableProxy tp) {
        String cn = tp.getClassName();
        escape(sb, cn.substring(cn.lastIndexOf('.') + 1));
        if (tp.getMessage() != null) {
            sb.append(": ");
            escape(sb, tp.getMessage());
        }
    }

    private static void stackTrace(StringBuilder sb, IThrowableProxy tp, String indent) {
        IThrowableProxy t = tp;
        String lead = "";
        for (int depth = 0; t != null && depth < 20; depth++) {
            sb.append(indent).append(lead);
            escape(sb, t.getClassName());
            if (t.getMessage() != null) {
                sb.append(": ");
                escape(sb, t.getMessage());
            }
            StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
            int shown = frames.length - t.getCommonFrames();
            for (int i = 0; i < shown; i++) {
                sb.append('\n').append(indent).append("\tat ");
                escape(sb, frames[i].getStackTraceElement().toString());
            }
            if (t.getCommonFrames() > 0) {
                sb.append('\n').append(indent).append("\t... ").append(t.getCommonFrames()).append(" more");
            }
            for (IThrowableProxy s : t.getSuppressed() == null ? new IThrowableProxy[0] : t.getSuppressed()) {
                sb.append('\n').append(indent).append("\tSuppressed: ");
                summary(sb, s);
            }
            t = t.getCause();
            if (t != null) {
                sb.append('\n');
                lead = "Caused by: ";
            }
        }
    }

    /** Appends {@code s} with every control character escaped (never a raw CR or LF). */
    static void escape(StringBuilder sb, String s) {
        if (s == null) {
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != '\u2028' && c != '\u2029') {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x100) {
                sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
    }
}
