package org.postern.smtp.inbound;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.core.MessageSource;

/**
 * Where each header field of the spooled message lies (byte offset and length, continuation lines
 * included), so end-of-data header removal can leave a field out of the delivered message without
 * rewriting the spool file. Reads at most {@code limit} header bytes (header_size_limit is enforced
 * while the message streams in).
 */
final class HeaderSpans {
    private HeaderSpans() {
    }

    /** One field: its name, unfolded value (UTF-8, lossy), and span in the spooled bytes. */
    record Field(String name, String value, long offset, long length) {
        boolean named(String n) {
            return name.equalsIgnoreCase(n);
        }

        String lowerName() {
            return name.toLowerCase(Locale.ROOT);
        }
    }

    /** The fields from {@code start} to the empty line ending the header section. */
    static List<Field> scan(MessageSource source, long start, long limit) throws IOException {
        List<Field> out = new ArrayList<>();
        byte[] buf;
        try (InputStream in = source.open()) {
            in.skipNBytes(Math.min(start, source.size()));
            buf = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, Math.max(0, limit)));
        }
        int i = 0;
        int fieldStart = -1;
        while (i < buf.length) {
            int eol = i;
            while (eol < buf.length && buf[eol] != '\n') {
                eol++;
            }
            int next = Math.min(buf.length, eol + 1);
            int contentEnd = eol > i && buf[eol - 1] == '\r' ? eol - 1 : eol;
            boolean empty = contentEnd == i;
            boolean continuation = !empty && (buf[i] == ' ' || buf[i] == '\t');
            if (!continuation && fieldStart >= 0) {
                add(out, buf, fieldStart, i, start);
                fieldStart = -1;
            }
            if (empty) {
                break;
            }
            if (!continuation) {
                int colon = indexOf(buf, (byte) ':', i, contentEnd);
                if (colon <= i) {
                    break; // not a header line: the header section ends here (as cleanup ends it)
                }
                fieldStart = i;
            }
            i = next;
        }
        if (fieldStart >= 0 && i >= buf.length) {
            add(out, buf, fieldStart, buf.length, start);
        }
        return out;
    }

    private static void add(List<Field> out, byte[] buf, int from, int to, long base) {
        String raw = new String(buf, from, to - from, StandardCharsets.UTF_8);
        int colon = raw.indexOf(':');
        String name = raw.substring(0, colon).strip();
        String value = raw.substring(colon + 1).replace("\r\n", "").replace("\n", "").strip();
        out.add(new Field(name, value, base + from, to - from));
    }

    private static int indexOf(byte[] b, byte x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The authserv-id of an Authentication-Results value (RFC 8601 §2.2: the first token, after
     * optional CFWS; a quoted-string is unquoted), or "" when there is none.
     */
    static String authservId(String value) {
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
            } else if (c == '(') {
                int depth = 0;
                while (i < n) {
                    char d = value.charAt(i++);
                    if (d == '\\') {
                        i++;
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if (i < n && value.charAt(i) == '"') {
            StringBuilder sb = new StringBuilder();
            for (i++; i < n && value.charAt(i) != '"'; i++) {
                char c = value.charAt(i);
                if (c == '\\' && i + 1 < n) {
                    c = value.charAt(++i);
                }
                sb.append(c);
            }
            return sb.toString();
        }
        int s = i;
        while (i < n && value.charAt(i) != ';' && value.charAt(i) != ' ' && value.charAt(i) != '\t' && value.charAt(i) != '(') {
            i++;
        }
        return value.substring(s, i);
    }
}
