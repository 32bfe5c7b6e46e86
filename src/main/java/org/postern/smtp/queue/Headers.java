package org.postern.smtp.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.core.Texts;

/** Reading the header block of a spooled message, bounded (the body is never parsed here). */
final class Headers {
    private Headers() {
    }

    /** Most header bytes read. */
    static final int LIMIT = 64 * 1024;

    /**
     * The header fields up to the first empty line (or {@link #LIMIT} bytes), each unfolded into one
     * string "Name: value" (continuation lines joined with their leading white space).
     */
    static List<String> read(InputStream in) throws IOException {
        byte[] buf = in.readNBytes(LIMIT);
        return read(buf, buf.length);
    }

    /** The same, from the first {@code length} bytes of {@code buf}. */
    static List<String> read(byte[] buf, int length) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        StringBuilder cur = null;
        for (int i = 0; i <= length; i++) {
            if (i == length || buf[i] == '\n') {
                int end = i;
                if (end > start && buf[end - 1] == '\r') {
                    end--;
                }
                if (i == length && end == start) {
                    break;
                }
                String line = new String(buf, start, end - start, StandardCharsets.UTF_8);
                start = i + 1;
                if (line.isEmpty()) {
                    break;
                }
                if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && cur != null) {
                    cur.append(line);
                } else {
                    if (cur != null) {
                        fields.add(cur.toString());
                    }
                    cur = new StringBuilder(line);
                }
            }
        }
        if (cur != null) {
            fields.add(cur.toString());
        }
        return fields;
    }

    /** The value of the first field with this name (case-insensitive), or null. */
    static String value(List<String> fields, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        for (String f : fields) {
            if (f.length() > prefix.length() && f.substring(0, prefix.length()).toLowerCase(Locale.ROOT).equals(prefix)) {
                return f.substring(prefix.length()).strip();
            }
        }
        return null;
    }

    /** The Message-ID header value, made safe for a log line, or null. */
    static String messageId(List<String> fields) {
        String v = value(fields, "Message-ID");
        return v == null || v.isEmpty() ? null : Texts.safe(v, 250);
    }
}
