package org.postern.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounded line reader over a byte stream, with its buffer exposed for bulk reads (DATA, BDAT).
 * It never silently accepts what a careful server must notice: a line longer than the limit is
 * reported (and the excess skipped to the next LF), and a line ended by a bare LF or holding a
 * bare CR is flagged for the caller to decide.
 */
public final class LineReader {

    /** How a line ended. */
    public enum Ending { CRLF, BARE_LF, EOF }

    /**
     * One line without its terminator.
     *
     * @param bytes    the line's bytes (up to the limit)
     * @param ending   CRLF, a bare LF, or end of stream (a partial line)
     * @param tooLong  the line was longer than the limit; {@code bytes} holds its beginning only
     * @param bareCr   a CR not followed by LF occurred inside the line
     */
    public record Line(byte[] bytes, Ending ending, boolean tooLong, boolean bareCr) {
        /** The line as UTF-8; throws CharacterCodingException on malformed input. */
        public String utf8() throws CharacterCodingException {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        }

        /** The line as Latin-1 (every byte one char; for logs of undecodable input). */
        public String latin1() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private InputStream in;
    private final byte[] buf;
    private int pos;
    private int limit;

    public LineReader(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    /** Switches the underlying stream (after a TLS upgrade); the caller decides about buffered bytes first. */
    public void setSource(InputStream newIn) {
        this.in = newIn;
    }

    /**
     * Reads one line of at most {@code maxLength} bytes (without the terminator).
     *
     * @return the line, or null at end of stream with nothing read
     */
    public Line readLine(int maxLength) throws IOException {
        byte[] line = new byte[Math.min(maxLength, 256)];
        int len = 0;
        boolean tooLong = false;
        boolean bareCr = false;
        boolean pendingCr = false;
        while (true) {
            if (pos >= limit && fill() < 0) {
                if (len == 0 && !pendingCr && !tooLong) {
                    return null;
                }
                if (pendingCr) {
                    bareCr = true;
                }
                return new Line(Arrays.copyOf(line, len), Ending.EOF, tooLong, bareCr);
            }
            byte b = buf[pos++];
            if (b == '\n') {
                Ending e = pendingCr ? Ending.CRLF : Ending.BARE_LF;
                return new Line(Arrays.copyOf(line, len), e, tooLong, bareCr);
            }
            if (pendingCr) {
                // the previous CR was not followed by LF: keep it as content, flag it
                bareCr = true;
                if (len < maxLength) {
                    line = append(line, len++, (byte) '\r');
                } else {
                    tooLong = true;
                }
                pendingCr = false;
            }
            if (b == '\r') {
                pendingCr = true;
                continue;
            }
            if (len < maxLength) {
                line = append(line, len++, b);
            } else {
                tooLong = true;
            }
        }
    }

    private static byte[] append(byte[] line, int at, byte b) {
        byte[] l = at < line.length ? line : Arrays.copyOf(line, line.length * 2);
        l[at] = b;
        return l;
    }

    /**
     * Makes buffered bytes available, reading from the stream only when the buffer is empty.
     *
     * @return the number of buffered bytes, or -1 at end of stream
     */
    public int fill() throws IOException {
        if (pos < limit) {
            return limit - pos;
        }
        pos = 0;
        limit = 0;
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            return -1;
        }
        limit = n;
        return n;
    }

    /** The buffer; valid bytes are {@code [position(), position() + buffered())}. */
    public byte[] buffer() {
        return buf;
    }

    public int position() {
        return pos;
    }

    /** Marks {@code n} buffered bytes as consumed. */
    public void consume(int n) {
        if (n < 0 || n > limit - pos) {
            throw new IllegalArgumentException("consume " + n + " of " + (limit - pos));
        }
        pos += n;
    }

    /** Bytes read from the stream and not yet consumed (pipelined input). */
    public int buffered() {
        return limit - pos;
    }

    /** A copy of the buffered bytes (e.g. to log what a client pipelined), at most {@code max}. */
    public byte[] peek(int max) {
        return Arrays.copyOfRange(buf, pos, pos + Math.min(max, limit - pos));
    }

    /** Drops buffered input (RFC 3207 §4.2: anything pipelined after STARTTLS is discarded). */
    public byte[] drain() {
        byte[] rest = Arrays.copyOfRange(buf, pos, limit);
        pos = 0;
        limit = 0;
        return rest;
    }

    /** Reads exactly {@code n} bytes or throws EOFException (for binary headers like PROXY v2). */
    public byte[] readExactly(int n) throws IOException {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            int avail = fill();
            if (avail < 0) {
                throw new java.io.EOFException("end of stream after " + got + " of " + n + " bytes");
            }
            int k = Math.min(avail, n - got);
            System.arraycopy(buf, pos, out, got, k);
            pos += k;
            got += k;
        }
        return out;
    }
}
