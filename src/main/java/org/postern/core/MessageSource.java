package org.postern.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Spooled message bytes (headers and body, CRLF line ends, dot-unstuffed), readable any number
 * of times. Messages are never held whole in memory.
 */
public interface MessageSource {
    InputStream open() throws IOException;

    long size();

    static MessageSource ofFile(Path file, long offset, long size) {
        return new MessageSource() {
            public InputStream open() throws IOException {
                InputStream in = java.nio.file.Files.newInputStream(file);
                in.skipNBytes(offset);
                // a buffer sized to the message (most are small), at most 64 KiB
                int buffer = (int) Math.max(512, Math.min(65536, size));
                return new java.io.BufferedInputStream(new BoundedInputStream(in, size), buffer);
            }

            public long size() {
                return size;
            }
        };
    }

    /** Reads at most {@code limit} bytes of the wrapped stream. */
    final class BoundedInputStream extends java.io.FilterInputStream {
        private long left;

        public BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
