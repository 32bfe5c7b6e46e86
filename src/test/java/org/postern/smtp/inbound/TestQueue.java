package org.postern.smtp.inbound;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.MessageSource;
import org.postern.smtp.queue.QueueSink;

/** A QueueSink writing temp files in a test directory (the real queue lives on another branch). */
final class TestQueue implements QueueSink {
    record Stored(String id, Envelope envelope, Path file, HeaderBlock block) {
        /** The message as delivered: the header block applied to the spooled bytes. */
        String text() throws IOException {
            MessageSource m = block.over(MessageSource.ofFile(file, 0, Files.size(file)));
            try (var in = m.open()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        }
    }

    final Path dir;
    final List<Stored> committed = new CopyOnWriteArrayList<>();
    final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();

    TestQueue(Path dir) {
        this.dir = dir;
    }

    @Override
    public Incoming begin() throws IOException {
        String id = String.format("4T%06X", ids.incrementAndGet());
        Path f = dir.resolve(id);
        OutputStream out = Files.newOutputStream(f);
        open.incrementAndGet();
        return new Incoming() {
            long size;
            boolean done;
            final OutputStream counting = new OutputStream() {
                public void write(int b) throws IOException {
                    out.write(b);
                    size++;
                }

                public void write(byte[] b, int o, int l) throws IOException {
                    out.write(b, o, l);
                    size += l;
                }
            };

            public String queueId() {
                return id;
            }

            public OutputStream body() {
                return counting;
            }

            public long size() {
                return size;
            }

            public MessageSource source() throws IOException {
                out.flush();
                return MessageSource.ofFile(f, 0, size);
            }

            public void commit(Envelope e, HeaderBlock block) throws IOException {
                out.close();
                done = true;
                committed.add(new Stored(id, e, f, block));
            }

            public void close() {
                if (!done) {
                    done = true;
                    try {
                        out.close();
                        Files.deleteIfExists(f);
                    } catch (IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    }
                }
                open.decrementAndGet();
            }
        };
    }
}
