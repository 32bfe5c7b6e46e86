package org.postern.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Spooled message bytes (headers and body, CRLF line ends, dot-unstuffed), readable any number
 * of times. Large messages are never held whole in memory (a small one may be, see {@link #ofFile}).
 */
public interface MessageSource {
    InputStream open() throws IOException;

    long size();

    /** Bodies up to this size are read once and then served from memory to every later reader. */
    int SMALL = 64 * 1024;

    /**
     * {@code size} bytes of {@code file} from {@code offset}. A small body (up to {@link #SMALL}) is
     * read with one positional read at the first {@link #open} and kept for the later ones (a local
     * delivery reads it twice: the header for loop detection, then the whole for the Maildir).
     */
    static MessageSource ofFile(Path file, long offset, long size) {
        return new MessageSource() {
            private byte[] small;

            public InputStream open() throws IOException {
                if (size <= SMALL) {
                    synchronized (this) {
                        if (small == null) {
                            small = readSmall();
                        }
                    }
                    return new java.io.ByteArrayInputStream(small);
                }
                InputStream in = java.nio.file.Files.newInputStream(file);
                in.skipNBytes(offset);
                // a buffer sized to the message (most are small), at most 64 KiB
                int buffer = (int) Math.max(512, Math.min(65536, size));
                return new java.io.BufferedInputStream(new BoundedInputStream(in, size), buffer);
            }

            public long size() {
                return size;
            }

            private byte[] readSmall() throws IOException {
                byte[] b = new byte[(int) size];
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, offset + buf.position()) < 0) {
                            throw new java.io.EOFException(file + ": ends before its " + size + " bytes");
                        }
                    }
                }
                return b;
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
