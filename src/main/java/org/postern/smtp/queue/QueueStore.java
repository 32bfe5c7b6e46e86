package org.postern.smtp.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.MessageSource;
import org.postern.core.Texts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue on disk. Layout under the queue directory:
 * <pre>
 * incoming/ID        a message being received (body streamed by the session); deleted at start-up
 * active/ID          committed, not yet attempted or being attempted
 * deferred/ID        attempted at least once, waiting for its retry time
 * hold/ID            on hold (postsuper -h); not delivered until released
 * corrupt/ID         a message file (and state) that failed verification at start-up
 * state/ID           per-recipient delivery state of an attempted message; state/ID.tmp while written
 * spare/N            emptied files of removed messages, reused for new ones (see {@link Spares})
 * </pre>
 * A message file is written once (see {@link QueueFormat}) and only renamed between queues;
 * every rename and replacement is atomic and the directory is fsynced before anything is
 * promised on it (DESIGN §8).
 */
final class QueueStore implements QueueSink, AutoCloseable {
    private static final Logger CLEANUP = LoggerFactory.getLogger("cleanup");
    private static final Logger POSTSUPER = LoggerFactory.getLogger("postsuper");

    static final String INCOMING = "incoming";
    static final String ACTIVE = "active";
    static final String DEFERRED = "deferred";
    static final String HOLD = "hold";
    static final String CORRUPT = "corrupt";
    static final String STATE = "state";
    static final String SPARE = "spare";

    private final Path root;
    private final Path incoming;
    private final Path stateDir;
    private final QueueIds ids = new QueueIds();
    final DirSyncer syncer;
    /** Called with every message once it is durable (the scheduler takes it from there). */
    private volatile Consumer<QueuedMessage> onCommit = m -> { };

    /** New queue files are 0600 whatever the umask (the mode is applied at creation, then the umask only clears bits). */
    private static final java.nio.file.attribute.FileAttribute<?>[] PRIVATE_FILE = {
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))};
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> DIR_MODE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> FILE_MODE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");

    /**
     * Makes the queue owner-only, as Postfix keeps its queue 0700 (issue 11): every directory 0700 and
     * every regular file 0600, repairing what an earlier version or a permissive umask left open, with
     * one log line naming how many entries were repaired. Symbolic links and sockets are left alone.
     */
    private static void ownerOnly(Path root) throws IOException {
        int[] repaired = {0};
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes a) throws IOException {
                fix(d, DIR_MODE);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) throws IOException {
                if (a.isRegularFile()) {
                    fix(f, FILE_MODE);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            private void fix(Path p, java.util.Set<java.nio.file.attribute.PosixFilePermission> mode) throws IOException {
                if (!Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).equals(mode)) {
                    Files.setPosixFilePermissions(p, mode);
                    repaired[0]++;
                }
            }
        });
        if (repaired[0] > 0) {
            POSTSUPER.warn("queue directory {}: made {} entries owner-only (0700 directories, 0600 files)", root, repaired[0]);
        }
    }

    QueueStore(Path root, boolean groupCommit) throws IOException {
        this.root = root;
        this.incoming = root.resolve(INCOMING);
        this.stateDir = root.resolve(STATE);
        for (String d : List.of(INCOMING, ACTIVE, DEFERRED, HOLD, CORRUPT, STATE, SPARE)) {
            Files.createDirectories(root.resolve(d));
        }
        ownerOnly(root);
        // One process per queue directory: recovery deletes incoming files, which would destroy a
        // running server's messages in flight. The lock is released by the OS if we die.
        this.lockChannel = FileChannel.open(root.resolve("lock"),
                java.util.EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), PRIVATE_FILE);
        java.nio.channels.FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lockChannel.close();
            throw new IOException("queue directory " + root + " is in use by another postern process");
        }
        this.lock = l;
        this.syncer = new DirSyncer(groupCommit);
        this.spares = new Spares(root.resolve(SPARE), Spares.DEFAULT_LIMIT);
    }

    private final FileChannel lockChannel;
    private final java.nio.channels.FileLock lock;
    private final Spares spares;

    void onCommit(Consumer<QueuedMessage> c) {
        this.onCommit = c;
    }

    Path dir(String queue) {
        return root.resolve(queue);
    }

    Path root() {
        return root;
    }

    // ---- receiving ---------------------------------------------------------------------------

    @Override
    public Incoming begin() throws IOException {
        String id = ids.next();
        Path file = incoming.resolve(id);
        FileChannel ch = spares.reuse(file);
        if (ch == null) {
            ch = FileChannel.open(file, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.READ), PRIVATE_FILE);
        }
        return new Receiving(id, file, ch);
    }

    private final class Receiving implements Incoming {
        private final String id;
        private final Path file;
        private final FileChannel ch;
        private final CRC32C crc = new CRC32C();
        private long size;
        private boolean done;
        private final OutputStream out;

        Receiving(String id, Path file, FileChannel ch) {
            this.id = id;
            this.file = file;
            this.ch = ch;
            OutputStream raw = Channels.newOutputStream(ch);
            this.out = new BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (done) {
                        throw new IOException("message " + id + " is already committed or discarded");
                    }
                    raw.write(b, off, len);
                    crc.update(b, off, len);
                    size += len;
                }

                @Override
                public void close() {
                    // the channel is closed by commit() or close()
                }
            }, 16 * 1024);
        }

        @Override
        public String queueId() {
            return id;
        }

        @Override
        public OutputStream body() {
            return out;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public MessageSource source() throws IOException {
            if (done) {
                throw new IOException("message " + id + " is already committed or discarded");
            }
            out.flush();
            return MessageSource.ofFile(file, 0, size);
        }

        @Override
        public void commit(Envelope envelope, HeaderBlock block) throws IOException {
            if (done) {
                throw new IOException("message " + id + " is already committed or discarded");
            }
            if (envelope.recipients().isEmpty()) {
                throw new IOException("message " + id + " has no recipients");
            }
            out.flush();
            long bodyLength = size;
            String messageId;
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(bodyLength, Headers.LIMIT));
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // positional reads: the header block for cleanup's message-id line
            }
            messageId = Headers.messageId(Headers.read(head.array(), head.position()));
            byte[] env = QueueFormat.envelopeBytes(id, envelope, messageId, block);
            byte[] footer = QueueFormat.footer(bodyLength, env, (int) crc.getValue());
            ch.position(bodyLength);
            writeFully(ch, env);
            writeFully(ch, footer);
            done = true;
            String queue = envelope.hold() ? HOLD : ACTIVE;
            Path dest = root.resolve(queue).resolve(id);
            // fsync data, rename into the queue, fsync the directory (batched with other sessions' commits)
            try {
                syncer.commit(ch, file, dest);
            } catch (IOException e) {
                // Not acknowledged: leave nothing behind that could be delivered later.
                Files.deleteIfExists(file);
                Files.deleteIfExists(dest);
                throw e;
            }
            // Durable from here on: the caller may answer 250.
            if (messageId != null) {
                CLEANUP.info("{}: message-id={}", id, messageId);
            }
            QueuedMessage m = new QueuedMessage(id, envelope, messageId, bodyLength, block, dest, queue,
                    new MessageState(envelope.recipients().size()));
            onCommit.accept(m);
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                ch.close();
                spares.recycle(file);
            } catch (IOException e) {
                CLEANUP.warn("{}: cannot remove discarded message file: {}", id, e.getMessage());
            }
        }
    }

    private static void writeFully(FileChannel ch, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ---- recovery ----------------------------------------------------------------------------

    /**
     * Start-up recovery, idempotent: deletes incomplete incoming files (never acknowledged), moves
     * files that fail verification to corrupt/, removes state files without a message, and
     * returns every committed message with its state.
     */
    List<QueuedMessage> recover() throws IOException {
        spares.recover();
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(incoming)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                removed++;
                POSTSUPER.info("{}: removed incomplete message (never acknowledged)", Texts.safe(p.getFileName().toString(), 64));
            }
        }
        if (removed > 0) {
            syncer.sync(incoming);
        }
        Map<String, QueuedMessage> found = new TreeMap<>();
        for (String queue : List.of(ACTIVE, DEFERRED, HOLD)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(queue))) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    ids.seen(name);
                    QueuedMessage m = load(p, queue);
                    if (m == null) {
                        continue;
                    }
                    if (found.containsKey(m.id)) {
                        POSTSUPER.warn("{}: duplicate queue file {} ignored", m.id, p);
                        continue;
                    }
                    found.put(m.id, m);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(stateDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String id = name.endsWith(".tmp") ? name.substring(0, name.length() - 4) : name;
                if (name.endsWith(".tmp") || !found.containsKey(id)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        for (String d : List.of(ACTIVE, DEFERRED, HOLD, CORRUPT, STATE)) {
            syncer.sync(root.resolve(d));
        }
        return new ArrayList<>(found.values());
    }

    private QueuedMessage load(Path p, String queue) throws IOException {
        String name = p.getFileName().toString();
        try {
            if (!QueueIds.valid(name)) {
                throw new QueueFormat.CorruptException("not a queue id");
            }
            QueueFormat.Parsed parsed;
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                parsed = QueueFormat.read(ch);
                verifyBody(ch, parsed);
            }
            if (!parsed.id().equals(name)) {
                throw new QueueFormat.CorruptException("file name does not match queue id " + parsed.id());
            }
            MessageState state = new MessageState(parsed.envelope().recipients().size());
            Path sf = stateDir.resolve(name);
            boolean hasState = Files.exists(sf);
            if (hasState) {
                state = QueueFormat.parseState(Files.readAllBytes(sf), parsed.envelope().recipients().size());
            }
            QueuedMessage m = new QueuedMessage(name, parsed.envelope(), parsed.messageId(), parsed.bodyLength(), parsed.block(), p, queue,
                    state);
            m.stateFile = hasState;
            return m;
        } catch (QueueFormat.CorruptException | ArrayIndexOutOfBoundsException e) {
            String safe = Texts.safe(name, 64);
            Path dest = root.resolve(CORRUPT).resolve(safe.replace('/', '_'));
            Files.move(p, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Path sf = stateDir.resolve(name);
            if (QueueIds.valid(name) && Files.exists(sf)) {
                Files.move(sf, root.resolve(CORRUPT).resolve(name + ".state"), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            POSTSUPER.warn("{}: corrupt queue file moved to {}: {}", safe, CORRUPT, e.getMessage());
            return null;
        }
    }

    private static void verifyBody(FileChannel ch, QueueFormat.Parsed parsed) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        long pos = 0;
        while (pos < parsed.bodyLength()) {
            buf.clear().limit((int) Math.min(buf.capacity(), parsed.bodyLength() - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new QueueFormat.CorruptException("body truncated");
            }
            crc.update(buf.array(), 0, n);
            pos += n;
        }
        if ((int) crc.getValue() != parsed.bodyCrc()) {
            throw new QueueFormat.CorruptException("body checksum mismatch");
        }
    }

    // ---- state changes -----------------------------------------------------------------------

    /** Replaces state/ID atomically and durably (write tmp, fsync, rename, fsync dir). */
    void writeState(QueuedMessage m) throws IOException {
        byte[] b;
        synchronized (m) {
            b = QueueFormat.stateBytes(m.state);
        }
        Path tmp = stateDir.resolve(m.id + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, java.util.EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), PRIVATE_FILE)) {
            writeFully(ch, b);
            ch.force(false);
        }
        synchronized (m) {
            m.stateFile = true;
        }
        Files.move(tmp, stateDir.resolve(m.id), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncer.sync(stateDir);
    }

    /** Moves the message file to another queue (atomic rename, directory fsynced). */
    void move(QueuedMessage m, String queue) throws IOException {
        synchronized (m) {
            if (queue.equals(m.queue)) {
                return;
            }
            Path dest = root.resolve(queue).resolve(m.id);
            Files.move(m.file, dest, StandardCopyOption.ATOMIC_MOVE);
            m.file = dest;
            m.queue = queue;
        }
        syncer.sync(root.resolve(queue));
    }

    /** Deletes the message file, then its state file. A crash in between leaves an orphan state file, removed at start-up. */
    void remove(QueuedMessage m) throws IOException {
        Path file;
        boolean stateFile;
        synchronized (m) {
            file = m.file;
            stateFile = m.stateFile;
        }
        try {
            spares.recycle(file); // out of the queue directory at once (atomic rename), emptied
        } catch (NoSuchFileException e) {
            // already gone
        }
        syncer.syncLater(file.getParent());
        // Most messages finish in one attempt and never had a state file: no failing unlink then.
        if (stateFile && Files.deleteIfExists(stateDir.resolve(m.id))) {
            syncer.syncLater(stateDir);
        }
    }

    /** A new message made by the queue itself (bounce, DSN, forward): body written by {@code writer}, committed. */
    String inject(Envelope envelope, BodyWriter writer) throws IOException {
        try (Incoming in = begin()) {
            writer.write(in.body(), in.queueId());
            in.commit(envelope);
            return in.queueId();
        }
    }

    @FunctionalInterface
    interface BodyWriter {
        void write(OutputStream out, String newId) throws IOException;
    }

    /** Copies a message file's body part (for forwarding). */
    static void copyBody(QueuedMessage m, OutputStream out) throws IOException {
        try (InputStream in = m.body().open()) {
            in.transferTo(out);
        }
    }

    @Override
    public void close() {
        syncer.close();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            CLEANUP.debug("releasing the queue lock: {}", e.getMessage());
        }
    }

}
