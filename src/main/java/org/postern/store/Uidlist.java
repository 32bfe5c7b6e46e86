package org.postern.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Dovecot's {@code dovecot-uidlist}: the UID ↔ file name map of one Maildir folder, kept in
 * Dovecot's own format so Dovecot and Postern can each serve the other's Maildir.
 *
 * <pre>
 * 3 V1700000000 N25 G3085f01b7f11094c501100008c4a11c1     header: version 3, UIDVALIDITY, next UID, mailbox GUID
 * 23 :1700000001.M12P345Q1.host,S=1355,W=1394               entry: UID [extensions] :file name
 * 24 W2481 :1700000002.M34P345Q2.host:2,S
 * </pre>
 *
 * Rules (as Dovecot documents and implements them): readers need no lock; writers hold
 * {@code dovecot-uidlist.lock} (a dotlock created exclusively); new entries may be appended at the
 * end, existing data is never modified in place but replaced by writing the lock file and renaming
 * it over the list. UIDs in the file ascend; the next UID is the larger of the header's {@code N}
 * and the last entry's UID + 1. Version 1 files (Courier's {@code courierimapuiddb} format,
 * {@code 1 <uidvalidity> <nextuid>} and {@code <uid> <file>}) are read too.
 */
public final class Uidlist {
    public static final String NAME = "dovecot-uidlist";
    public static final String LOCK_NAME = "dovecot-uidlist.lock";

    /** Dovecot's MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT: a lock file untouched this long is stale. */
    static final Duration STALE = Duration.ofMinutes(2);

    private Uidlist() {
    }

    /** The header of the list. {@code guid} is 32 hex digits (may be null when absent). */
    public record Header(int version, long uidValidity, long nextUid, String guid) {
        public String format() {
            return "3 V" + uidValidity + " N" + nextUid + (guid == null ? "" : " G" + guid) + "\n";
        }
    }

    /** One entry: a UID, its extension fields (may be empty) and the last known file name. */
    public record Entry(long uid, String extensions, String fileName) {
        public String baseName() {
            return MaildirName.base(fileName);
        }

        public String format() {
            return uid + (extensions.isEmpty() ? "" : " " + extensions) + " :" + fileName + "\n";
        }
    }

    /**
     * What a read produced.
     *
     * @param header      null when reading from an offset (the header was read before)
     * @param entries     complete entries read
     * @param endOffset   offset just after the last complete line (a torn last line is left out)
     * @param maxUid      the highest UID seen (0 when none)
     * @param fileKey     identity of the file read (inode), to notice replacement
     */
    public record Read(Header header, List<Entry> entries, long endOffset, long maxUid, Object fileKey) {
    }

    /** A new header for a list that does not exist yet: UIDVALIDITY from the clock, a random GUID. */
    public static Header newHeader() {
        long validity = Math.max(1, System.currentTimeMillis() / 1000);
        byte[] g = new byte[16];
        new SecureRandom().nextBytes(g);
        return new Header(3, validity, 1, HexFormat.of().formatHex(g));
    }

    /**
     * Reads the list from {@code offset} (0: the whole file, header included). Returns null when
     * the file does not exist.
     *
     * @throws IOException on I/O errors and on a corrupt header (the caller decides to rebuild)
     */
    public static Read read(Path file, long offset) throws IOException {
        byte[] data;
        Object key;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            long size = ch.size();
            if (offset > size) {
                offset = 0; // shrunk: replaced under us; read it all
            }
            long len = size - offset;
            if (len > Integer.MAX_VALUE - 16) {
                throw new IOException(file + " is too large");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) len);
            long pos = offset;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            data = new byte[buf.position()];
            buf.flip().get(data);
        } catch (NoSuchFileException e) {
            return null;
        }
        return parse(data, offset, key, file);
    }

    static Read parse(byte[] data, long offset, Object key, Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Header header = null;
        int version = 3;
        int pos = 0;
        long maxUid = 0;
        long lastUid = 0;
        int lineNo = 0;
        while (pos < data.length) {
            int nl = indexOf(data, (byte) '\n', pos);
            if (nl < 0) {
                break; // torn last line: not ours to judge, and not complete
            }
            String line = new String(data, pos, nl - pos, StandardCharsets.UTF_8);
            pos = nl + 1;
            lineNo++;
            if (offset == 0 && lineNo == 1) {
                header = parseHeader(line, file);
                version = header.version();
                continue;
            }
            if (line.isEmpty()) {
                continue;
            }
            Entry e = parseEntry(line, version, file);
            if (e.uid() <= lastUid) {
                throw new IOException(file + ": UIDs not ascending at " + e.uid());
            }
            lastUid = e.uid();
            maxUid = Math.max(maxUid, e.uid());
            entries.add(e);
        }
        if (offset == 0 && header == null) {
            throw new IOException(file + ": empty or headerless uidlist");
        }
        return new Read(header, entries, offset + pos, maxUid, key);
    }

    private static int indexOf(byte[] d, byte b, int from) {
        for (int i = from; i < d.length; i++) {
            if (d[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static Header parseHeader(String line, Path file) throws IOException {
        if (line.length() < 2 || line.charAt(1) != ' ' || (line.charAt(0) != '3' && line.charAt(0) != '1')) {
            throw new IOException(file + ": unsupported uidlist header");
        }
        String[] f = line.substring(2).trim().split(" +");
        try {
            if (line.charAt(0) == '1') {
                return new Header(1, Long.parseLong(f[0]), Long.parseLong(f[1]), null);
            }
            long v = 0;
            long n = 0;
            String g = null;
            for (String field : f) {
                if (field.isEmpty()) {
                    continue;
                }
                switch (field.charAt(0)) {
                    case 'V' -> v = Long.parseLong(field.substring(1));
                    case 'N' -> n = Long.parseLong(field.substring(1));
                    case 'G' -> g = field.substring(1);
                    default -> {
                        // other header fields are allowed and kept by Dovecot; we do not need them
                    }
                }
            }
            if (v <= 0 || n <= 0) {
                throw new IOException(file + ": broken uidlist header (uidvalidity=" + v + ", next_uid=" + n + ")");
            }
            return new Header(3, v, n, g);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IOException(file + ": broken uidlist header", e);
        }
    }

    static Entry parseEntry(String line, int version, Path file) throws IOException {
        int sp = line.indexOf(' ');
        if (sp <= 0) {
            throw new IOException(file + ": broken uidlist line");
        }
        long uid;
        try {
            uid = Long.parseLong(line, 0, sp, 10);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": broken uidlist line", e);
        }
        if (uid <= 0 || uid >= 0xffffffffL) {
            throw new IOException(file + ": UID out of range: " + uid);
        }
        String rest = line.substring(sp + 1);
        String ext = "";
        String name;
        if (version == 1) {
            name = rest.strip();
        } else {
            int colon = rest.indexOf(':');
            // extensions are space-separated key+value fields before ':'
            if (colon < 0) {
                throw new IOException(file + ": uidlist line without ':' file name");
            }
            ext = rest.substring(0, colon).strip();
            name = rest.substring(colon + 1);
        }
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IOException(file + ": broken file name in uidlist");
        }
        return new Entry(uid, ext, name);
    }

    /** fdatasync of the list in {@code dir} (after an unsynced {@link Lock#append}). */
    public static void sync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(NAME), StandardOpenOption.WRITE)) {
            ch.force(false);
        }
    }

    /**
     * The dotlock {@code dovecot-uidlist.lock}, created exclusively, holding {@code pid:hostname}
     * as Dovecot's dotlocks do. A lock is taken over, as Dovecot's file-dotlock does, when it is
     * older than {@link #PID_CHECK_AGE} and names a process of this host that no longer exists (a
     * server killed in the middle of a commit; without this every delivery to that mailbox would
     * wait out the timeout until the lock is {@link #STALE}), or when it is untouched for
     * {@link #STALE}.
     */
    public static final class Lock implements AutoCloseable {
        /** Dovecot's STALE_PID_CHECK_SECS: a younger lock's owner is not checked (it is most likely alive). */
        static final Duration PID_CHECK_AGE = Duration.ofSeconds(2);
        /** Locks this process holds (so a lock naming our own pid is known to be live or left over). */
        private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static final long PID = ProcessHandle.current().pid();
        private static final String HOST = hostName();

        private final Path dir;
        private final Path lockFile;
        private boolean held;

        private Lock(Path dir) {
            this.dir = dir;
            this.lockFile = dir.resolve(LOCK_NAME);
        }

        /**
         * Waits up to {@code timeout} for the lock.
         *
         * @throws IOException on timeout or I/O error
         */
        public static Lock acquire(Path dir, Duration timeout) throws IOException {
            Lock l = new Lock(dir);
            long deadline = System.nanoTime() + timeout.toNanos();
            long sleep = 2;
            while (true) {
                try (var ch = Files.newByteChannel(l.lockFile,
                        java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), Durable.privateFile())) {
                    HELD.add(l.lockFile.toAbsolutePath());
                    l.held = true;
                    ch.write(ByteBuffer.wrap((PID + ":" + HOST).getBytes(StandardCharsets.US_ASCII)));
                    return l;
                } catch (FileAlreadyExistsException e) {
                    try {
                        if (takeOverIfStale(l.lockFile)) {
                            continue;
                        }
                    } catch (NoSuchFileException gone) {
                        continue;
                    }
                } catch (IOException e) {
                    l.close(); // created but the owner could not be written: not held
                    throw e;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("timed out waiting for " + l.lockFile);
                }
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted waiting for " + l.lockFile, ie);
                }
                sleep = Math.min(50, sleep * 2);
            }
        }

        /**
         * Replaces the list with {@code content}: written into the lock file, fsynced, renamed over
         * {@code dovecot-uidlist} (which also releases the lock), then the directory fsynced.
         */
        public void replace(String content) throws IOException {
            if (!held) {
                throw new IllegalStateException("lock not held");
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(lockFile, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE);
            held = false;
            HELD.remove(lockFile.toAbsolutePath());
            Durable.fsyncDirectory(dir);
        }

        /**
         * Appends entries to the existing list (which must end with a complete line at
         * {@code validEnd}; a torn tail after it is cut first), and fsyncs it when asked.
         */
        public void append(long validEnd, String lines, boolean sync) throws IOException {
            if (!held) {
                throw new IllegalStateException("lock not held");
            }
            try (FileChannel ch = FileChannel.open(dir.resolve(NAME), StandardOpenOption.WRITE)) {
                if (ch.size() > validEnd) {
                    ch.truncate(validEnd);
                }
                ByteBuffer b = ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8));
                long pos = validEnd;
                while (b.hasRemaining()) {
                    pos += ch.write(b, pos);
                }
                if (sync) {
                    ch.force(false);
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (held) {
                held = false;
                try {
                    Files.deleteIfExists(lockFile);
                } finally {
                    HELD.remove(lockFile.toAbsolutePath());
                }
            }
        }

        /**
         * Removes {@code lock} when it is stale: untouched for {@link #STALE}, or older than
         * {@link #PID_CHECK_AGE} and owned by a process of this host that is gone (our own pid
         * counts as gone when this process does not hold the lock: a previous server with the same
         * pid, as after a restart in a container). The lock is removed only if it is still the same
         * file that was examined.
         */
        static boolean takeOverIfStale(Path lock) throws IOException {
            BasicFileAttributes before = Files.readAttributes(lock, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            long age = System.currentTimeMillis() - before.lastModifiedTime().toMillis();
            boolean stale = age > STALE.toMillis();
            if (!stale && age > PID_CHECK_AGE.toMillis()) {
                long owner = localOwner(lock);
                if (owner == PID) {
                    stale = !HELD.contains(lock.toAbsolutePath());
                } else if (owner > 0) {
                    stale = ProcessHandle.of(owner).map(ph -> !ph.isAlive()).orElse(true);
                }
            }
            if (!stale) {
                return false;
            }
            BasicFileAttributes now = Files.readAttributes(lock, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!java.util.Objects.equals(before.fileKey(), now.fileKey())
                    || !before.lastModifiedTime().equals(now.lastModifiedTime())) {
                return false; // replaced meanwhile: somebody else took it
            }
            Files.deleteIfExists(lock);
            return true;
        }

        /** The pid in a {@code pid:host} lock file when host is this host; otherwise -1. */
        static long localOwner(Path lock) throws IOException {
            byte[] b;
            try (var in = Files.newInputStream(lock)) {
                b = in.readNBytes(512);
            }
            String text = new String(b, StandardCharsets.US_ASCII).strip();
            int colon = text.indexOf(':');
            if (colon <= 0 || !text.substring(colon + 1).equals(HOST)) {
                return -1;
            }
            try {
                long pid = Long.parseLong(text.substring(0, colon));
                return pid > 0 ? pid : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /** gethostname(), as Dovecot's my_hostname (the kernel's node name on Linux). */
        private static String hostName() {
            try {
                String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
                if (!h.isEmpty()) {
                    return h;
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: ask the JDK
            }
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        }
    }
}
