package org.postern.codec.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The DATA content decoder (RFC 5321 §4.1.1.4, §4.5.2): removes dot-stuffing and finds the end
 * of data, fed with byte chunks as they arrive (no I/O of its own; the caller reads the socket
 * and gives it the buffer).
 *
 * <p>End of data is recognised only on {@code CRLF . CRLF} (the DATA command's own CRLF counts as
 * the first CRLF). A bare LF or bare CR (one not part of a CRLF pair) never ends or splits the
 * message: sequences such as {@code <LF>.<LF>}, {@code <CR>.<CR>}, {@code <LF>.<CR><LF>} and
 * {@code <CR><LF>.<LF>} are content (the SMTP smuggling probes). What happens to such bare line
 * ends depends on the {@link BareNewline} mode: normalised to CRLF, kept as they are, or reported
 * so the session can reject the message.
 *
 * <p>Bytes beyond {@code limit} are counted but not written (the session answers 552 at the end).
 */
public final class DataDecoder {

    /** What to do with a bare CR or LF in message content (setting smtpd_forbid_bare_newline). */
    public enum BareNewline {
        /** Treat it as a line end and store CRLF (Postfix 3.9's default "normalize"). */
        NORMALIZE,
        /** Note it; the session rejects the message with 550 5.5.2 (Postfix "yes"). */
        REJECT,
        /** Keep the byte as content; it is never a line end (Postfix "no", but never an end of data). */
        KEEP
    }

    private enum State { LINE_START, LINE_START_BARE, DOT, DOT_CR, MID, CR }

    private final BareNewline mode;
    private final long limit;
    private final OutputStream out;
    private State state = State.LINE_START;
    private long size;
    private boolean bareLf;
    private boolean bareCr;
    private boolean done;
    private final byte[] buf = new byte[8192];
    private int blen;

    public DataDecoder(OutputStream out, long limit, BareNewline mode) {
        this.out = out;
        this.limit = limit;
        this.mode = mode;
    }

    /**
     * Consumes bytes from {@code data[off..off+len)} until the end of data.
     *
     * @return how many bytes were consumed; less than {@code len} only when the end of data was
     *         reached (the remaining bytes are the client's next commands)
     */
    public int feed(byte[] data, int off, int len) throws IOException {
        int i = off;
        int end = off + len;
        while (i < end && !done) {
            byte b = data[i];
            switch (state) {
                case MID -> {
                    // fast path: copy a run of ordinary bytes in one go
                    int j = i;
                    while (j < end && data[j] != '\r' && data[j] != '\n') {
                        j++;
                    }
                    if (j > i) {
                        emit(data, i, j - i);
                        i = j;
                        continue;
                    }
                    if (b == '\r') {
                        state = State.CR;
                    } else {
                        bareLf();
                    }
                    i++;
                }
                case CR -> {
                    if (b == '\n') {
                        emitCrlf();
                        state = State.LINE_START;
                        i++;
                    } else {
                        bareCr(); // re-dispatch b in the new state
                    }
                }
                case LINE_START -> {
                    if (b == '.') {
                        state = State.DOT;
                        i++;
                    } else {
                        state = State.MID;
                    }
                }
                case LINE_START_BARE -> {
                    // a line begun by a normalised bare line end: dot-unstuff, but it can never end the data
                    if (b == '.') {
                        i++;
                    }
                    state = State.MID;
                }
                case DOT -> {
                    if (b == '\r') {
                        state = State.DOT_CR;
                        i++;
                    } else {
                        state = State.MID; // the dot was stuffing: dropped
                    }
                }
                case DOT_CR -> {
                    if (b == '\n') {
                        done = true;
                        i++;
                    } else {
                        bareCr();
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        flush();
        return i - off;
    }

    private void bareLf() throws IOException {
        bareLf = true;
        switch (mode) {
            case NORMALIZE -> {
                emitCrlf();
                state = State.LINE_START_BARE;
            }
            case REJECT, KEEP -> {
                emitByte('\n');
                state = State.MID;
            }
        }
    }

    private void bareCr() throws IOException {
        bareCr = true;
        switch (mode) {
            case NORMALIZE -> {
                emitCrlf();
                state = State.LINE_START_BARE;
            }
            case REJECT, KEEP -> {
                emitByte('\r');
                state = State.MID;
            }
        }
    }

    private void emitCrlf() throws IOException {
        emitByte('\r');
        emitByte('\n');
    }

    private void emitByte(int b) throws IOException {
        size++;
        if (size > limit) {
            return;
        }
        if (blen == buf.length) {
            flush();
        }
        buf[blen++] = (byte) b;
    }

    private void emit(byte[] d, int off, int len) throws IOException {
        long before = size;
        size += len;
        if (before >= limit) {
            return;
        }
        int n = (int) Math.min(len, limit - before);
        if (n > buf.length - blen) {
            flush();
            if (n >= buf.length) {
                out.write(d, off, n);
                return;
            }
        }
        System.arraycopy(d, off, buf, blen, n);
        blen += n;
    }

    private void flush() throws IOException {
        if (blen > 0) {
            out.write(buf, 0, blen);
            blen = 0;
        }
    }

    /** True once {@code CRLF.CRLF} was seen. */
    public boolean done() {
        return done;
    }

    /** Decoded content bytes seen (including those beyond the limit, which were not written). */
    public long size() {
        return size;
    }

    public boolean overLimit() {
        return size > limit;
    }

    public boolean sawBareLf() {
        return bareLf;
    }

    public boolean sawBareCr() {
        return bareCr;
    }
}
