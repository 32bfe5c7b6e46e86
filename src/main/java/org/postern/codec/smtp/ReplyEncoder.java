package org.postern.codec.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.postern.core.Reply;

/**
 * Writes a {@link Reply} in SMTP wire form (RFC 5321 §4.2.1): every line but the last as
 * {@code code-text}, the last as {@code code text}; the enhanced status code (RFC 2034 §4)
 * is repeated on every line when present.
 */
public final class ReplyEncoder {
    private ReplyEncoder() {
    }

    public static String encode(Reply r) {
        StringBuilder sb = new StringBuilder(64);
        List<String> lines = r.lines();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(r.code()).append(i == lines.size() - 1 ? ' ' : '-');
            if (r.status() != null) {
                sb.append(r.status());
                if (!lines.get(i).isEmpty()) {
                    sb.append(' ');
                }
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    public static byte[] bytes(Reply r) {
        return encode(r).getBytes(StandardCharsets.UTF_8);
    }
}
