package org.postern.store;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maildir file names (cr.yp.to/proto/maildir.html, with Dovecot's extensions):
 * {@code <secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>,W=<vsize>[:2,<flags>]}.
 *
 * <p>Uniqueness within one host: the process id plus a per-process counter ({@code Q}) are unique
 * among live processes; seconds and microseconds separate this process from an earlier one that
 * had the same pid. The host part has {@code /} and {@code :} escaped as {@code \057} and
 * {@code \072} as the spec requires (and {@code ,} as {@code \054}, so the {@code ,S=} fields
 * stay unambiguous).
 */
public final class MaildirName {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();

    private MaildirName() {
    }

    /** A new unique base name, without the size fields (used for the file in tmp/). */
    public static String unique(String hostname) {
        Instant now = Instant.now();
        long micros = now.getNano() / 1000;
        return now.getEpochSecond() + ".M" + micros + "P" + PID + "Q" + COUNTER.incrementAndGet() + "." + escapeHost(hostname);
    }

    /** The base name with Dovecot's size fields appended: {@code base,S=size,W=vsize}. */
    public static String withSizes(String base, long size, long vsize) {
        return base + ",S=" + size + ",W=" + vsize;
    }

    static String escapeHost(String host) {
        StringBuilder sb = new StringBuilder(host.length());
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            switch (c) {
                case '/' -> sb.append("\\057");
                case ':' -> sb.append("\\072");
                case ',' -> sb.append("\\054");
                default -> {
                    if (c <= ' ' || c == 0x7f) {
                        sb.append('_');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.isEmpty() ? "localhost" : sb.toString();
    }

    /** The base name of a Maildir file name: everything before the info part ({@code :2,...}). */
    public static String base(String fileName) {
        int colon = fileName.indexOf(':');
        return colon < 0 ? fileName : fileName.substring(0, colon);
    }

    /**
     * The standard flags of a file name ({@code :2,} info; the letters up to an optional comma),
     * empty when the file has no info part (as in {@code new/}).
     */
    public static String flags(String fileName) {
        int info = fileName.indexOf(":2,");
        if (info < 0) {
            return "";
        }
        String f = fileName.substring(info + 3);
        int comma = f.indexOf(',');
        return comma < 0 ? f : f.substring(0, comma);
    }

    /** The {@code ,S=} size in a base name, or -1. */
    public static long size(String fileName) {
        return field(base(fileName), ",S=");
    }

    /** The {@code ,W=} virtual (CRLF) size in a base name, or -1. */
    public static long vsize(String fileName) {
        return field(base(fileName), ",W=");
    }

    private static long field(String base, String key) {
        int i = base.indexOf(key);
        if (i < 0) {
            return -1;
        }
        int start = i + key.length();
        int end = start;
        while (end < base.length() && Character.isDigit(base.charAt(end))) {
            end++;
        }
        if (end == start || end - start > 18) {
            return -1;
        }
        return Long.parseLong(base, start, end, 10);
    }
}
