package org.postern.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Header changes decided at end of data (Authentication-Results, PREPEND, later X-Spam-*,
 * DKIM-Signature): fields to put in front of the message and byte spans of the spooled message to
 * leave out (incoming header fields removed, e.g. a forged Authentication-Results with our
 * authserv-id). Stored with the envelope and applied wherever the message is read, so the spooled
 * body file is never rewritten.
 *
 * @param prepend header text (complete fields, CRLF line ends) served before the spooled bytes
 * @param omit    spans of the spooled bytes to leave out, sorted, not overlapping
 */
public record HeaderBlock(String prepend, List<Span> omit) {

    /** {@code length} bytes at {@code offset} of the spooled message. */
    public record Span(long offset, long length) {
        public Span {
            if (offset < 0 || length <= 0) {
                throw new IllegalArgumentException("bad span " + offset + "+" + length);
            }
        }
    }

    public static final HeaderBlock EMPTY = new HeaderBlock("", List.of());

    public HeaderBlock {
        List<Span> s = new ArrayList<>(omit);
        s.sort(Comparator.comparingLong(Span::offset));
        for (int i = 1; i < s.size(); i++) {
            if (s.get(i).offset() < s.get(i - 1).offset() + s.get(i - 1).length()) {
                throw new IllegalArgumentException("overlapping spans");
            }
        }
        omit = List.copyOf(s);
        if (!prepend.isEmpty() && !prepend.endsWith("\r\n")) {
            throw new IllegalArgumentException("header block must end with CRLF");
        }
    }

    public boolean isEmpty() {
        return prepend.isEmpty() && omit.isEmpty();
    }

    /** The message as it is delivered: this block applied to the spooled bytes. */
    public MessageSource over(MessageSource spooled) {
        if (isEmpty()) {
            return spooled;
        }
        byte[] head = prepend.getBytes(StandardCharsets.UTF_8);
        long omitted = omit.stream().mapToLong(Span::length).sum();
        long size = head.length + spooled.size() - omitted;
        return new MessageSource() {
            @Override
            public InputStream open() throws IOException {
                InputStream body = spooled.open();
                return new SequenceInputStream(new ByteArrayInputStream(head), omit.isEmpty() ? body : new Omitting(body, omit));
            }

            @Override
            public long size() {
                return size;
            }
        };
    }

    /** Skips the spans while reading. */
    private static final class Omitting extends java.io.FilterInputStream {
        private final List<Span> spans;
        private int next;
        private long pos;

        Omitting(InputStream in, List<Span> spans) {
            super(in);
            this.spans = spans;
        }

        private void skipSpans() throws IOException {
            while (next < spans.size() && spans.get(next).offset() <= pos) {
                long end = spans.get(next).offset() + spans.get(next).length();
                while (pos < end) {
                    long n = in.skip(end - pos);
                    if (n <= 0) {
                        if (in.read() < 0) {
                            pos = end;
                            break;
                        }
                        n = 1;
                    }
                    pos += n;
                }
                next++;
            }
        }

        @Override
        public int read() throws IOException {
            skipSpans();
            int b = in.read();
            if (b >= 0) {
                pos++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            skipSpans();
            if (len == 0) {
                return 0;
            }
            int max = len;
            if (next < spans.size()) {
                max = (int) Math.min(len, spans.get(next).offset() - pos);
            }
            int n = in.read(b, off, max);
            if (n > 0) {
                pos += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }
    }
}
