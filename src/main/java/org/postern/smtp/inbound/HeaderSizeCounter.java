package org.postern.smtp.inbound;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes message bytes through and measures the header section (up to the first empty line), so
 * a message whose header exceeds header_size_limit can be refused: header parsers downstream
 * (policy, filters, IMAP) then never see unbounded headers.
 */
final class HeaderSizeCounter extends FilterOutputStream {
    private long headerBytes;
    private long written;
    private boolean inHeader = true;
    private int last4; // the last four bytes, to spot CRLF CRLF

    HeaderSizeCounter(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        written++;
        observe((byte) b);
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        written += len;
        if (inHeader) {
            for (int i = off; i < off + len && inHeader; i++) {
                observe(b[i]);
            }
        }
        out.write(b, off, len);
    }

    private void observe(byte b) {
        if (!inHeader) {
            return;
        }
        headerBytes++;
        last4 = (last4 << 8) | (b & 0xff);
        // the header ends at an empty line: CRLF CRLF, or a CRLF at the very start (no header at all)
        if (last4 == 0x0d0a0d0a || (headerBytes == 2 && (last4 & 0xffff) == 0x0d0a)) {
            inHeader = false;
        }
    }

    /** Bytes passed through. */
    long written() {
        return written;
    }

    /** Bytes of the header section seen so far (the whole message while no empty line came). */
    long headerBytes() {
        return headerBytes;
    }
}
