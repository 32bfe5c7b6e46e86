package org.postern.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.postern.core.Address;
import org.postern.core.Reply;
import org.postern.core.Texts;
import org.postern.core.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maildir delivery (cr.yp.to/proto/maildir.html) with Dovecot's conventions, so Dovecot can
 * serve what Postern delivers and the other way round.
 *
 * <p>One delivery: a unique name; the message (with {@code Return-Path} and {@code Delivered-To}
 * prepended, line ends stored as LF like Dovecot and Postfix do) written to {@code tmp/} and
 * fsynced; then, under the mailbox's lock, the quota checked against {@code maildirsize}, the
 * file renamed into {@code new/} as {@code <base>,S=<size>,W=<vsize>}, {@code new/} fsynced, the
 * next UID appended to {@code dovecot-uidlist} (under Dovecot's dotlock) and fsynced. Only then
 * does {@link #deliver} return success (DESIGN §8).
 *
 * <p>Group commit: deliveries to one mailbox queue up while another thread holds the mailbox's
 * lock; the holder commits all of them with one fsync of each {@code new/} directory and one
 * append + fsync of the UID list, and none returns before the fsync that covers its file.
 * Messages are fsynced individually in {@code tmp/} by their own threads, in parallel.
 *
 * <p>Failures never leave a file in {@code new/} that the caller was told failed: temporary
 * trouble (I/O errors, a full disk) gives 4xx, a message over quota {@code 552 5.2.2}.
 */
public final class MaildirStore implements MailStore {
    private static final Logger log = LoggerFactory.getLogger("store");

    /** How long a delivery waits for {@code dovecot-uidlist.lock} before leaving the UID to the next sync. */
    static final Duration UIDLIST_LOCK_TIMEOUT = Duration.ofSeconds(10);
    /** Before rejecting for quota, recalculate usage when the last recalculation is older than this. */
    /** Files older than this in tmp/ are leftovers of crashed deliveries (the Maildir spec's 36 hours). */
    static final Duration TMP_MAX_AGE = Duration.ofHours(36);
    static final long QUOTA_RECHECK_NANOS = Duration.ofMinutes(1).toNanos();

    private final HomeTemplate homes;
    private final String hostname;
    private final ConcurrentHashMap<Path, Home> open = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<DeliveryListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock createLock = new ReentrantLock();

    /**
     * @param dataDirectory base of relative home templates
     * @param homeTemplate  e.g. {@code mail/%d/%n} (see {@link HomeTemplate})
     * @param hostname      this host's name, part of every file name
     */
    public MaildirStore(Path dataDirectory, String homeTemplate, String hostname) {
        this.homes = new HomeTemplate(dataDirectory, homeTemplate);
        this.hostname = hostname;
    }

    /** From the {@code [store]} settings. */
    public static MaildirStore fromConfig(Config config, Path dataDirectory, String hostname) {
        return new MaildirStore(dataDirectory, config.get(StoreSettings.MAIL_HOME), hostname);
    }

    /** The Maildir (home) of a mailbox. */
    public Path home(Address mailbox) {
        return homes.home(mailbox);
    }

    /** The mail root all homes lie under. */
    public Path mailRoot() {
        return homes.root();
    }

    @Override
    public void addListener(DeliveryListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(DeliveryListener listener) {
        listeners.remove(listener);
    }

    // ---------------------------------------------------------------- delivery

    @Override
    public Result deliver(Request r) {
        Path homeDir;
        try {
            homeDir = homes.home(r.mailbox());
        } catch (IllegalArgumentException e) {
            return Result.failed(Reply.of(550, "5.1.3", "Bad destination mailbox address"), "bad mailbox home: " + e.getMessage());
        }
        String dirName = null;
        if (!FolderNames.isInbox(r.folder())) {
            try {
                dirName = FolderNames.directoryName(r.folder());
            } catch (IllegalArgumentException e) {
                return Result.failed(Reply.of(550, "5.2.0", "Bad destination folder"), "bad folder name: " + e.getMessage());
            }
        }
        Home h = open.computeIfAbsent(homeDir, Home::new);
        Folder f = h.folder(dirName);
        Long quota = r.quotaBytes() != null && r.quotaBytes() > 0 ? r.quotaBytes() : null;

        if (quota != null) {
            long estimate = r.message().size();
            long cached = h.cachedUsage;
            if (cached >= 0 && cached + estimate > quota && h.exceedsQuota(quota, estimate)) {
                return overQuota(r.mailbox());
            }
        }

        String base = MaildirName.unique(hostname);
        Path tmp = null;
        Pending p;
        try {
            f.ensure();
            tmp = f.dir.resolve("tmp").resolve(base);
            long[] sizes = writeMessage(tmp, header(r), r.message());
            p = new Pending(r.mailbox(), f, tmp, base, sizes[0], sizes[1], quota);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (e instanceof NoSuchFileException) {
                f.ready = false; // the folder vanished (deleted under us): recreate next time
            }
            return ioFailure(e, "write " + (tmp == null ? f.dir : tmp));
        }
        h.commit(p);
        Result res = p.result;
        if (res.delivered()) {
            if (log.isDebugEnabled()) {
                log.debug("delivered to {}/new/{} uid={}", f.dir, p.finalName, res.uid());
            }
            for (DeliveryListener l : listeners) {
                try {
                    l.onDelivered(r.mailbox(), dirName == null ? null : r.folder(), res.uid());
                } catch (RuntimeException e) {
                    log.warn("delivery listener failed: {}", e.toString());
                }
            }
        }
        return res;
    }

    static Result overQuota(Address mailbox) {
        return Result.failed(Reply.of(552, "5.2.2", "Mailbox full"), "mailbox full: quota exceeded for " + mailbox.key());
    }

    /** I/O trouble: temporary. A full disk is {@code 452 4.3.1}, anything else {@code 451 4.3.0}. */
    static Result ioFailure(Exception e, String what) {
        String m = String.valueOf(e.getMessage());
        String detail = "maildir delivery failed: " + what + ": " + Texts.safe(e instanceof NoSuchFileException ? "No such file or directory" : m, 200);
        if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
            return Result.failed(Reply.of(452, "4.3.1", "Insufficient system storage"), detail);
        }
        return Result.failed(Reply.of(451, "4.3.0", "Temporary local problem - please try again later"), detail);
    }

    /** {@code Return-Path} and {@code Delivered-To}, LF line ends; client-supplied text made safe. */
    static byte[] header(Request r) {
        String rp = r.returnPath() == null ? "" : Texts.safe(r.returnPath(), 300).replace("<", "").replace(">", "");
        Address to = r.deliveredTo() != null ? r.deliveredTo() : r.mailbox();
        String h = "Return-Path: <" + rp + ">\nDelivered-To: " + Texts.safe(to.toString(), 300) + "\n";
        return h.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes header + message to a new file, CRLF stored as LF; fsyncs it. Returns
     * {size on disk, RFC 822 size (every LF counted as CRLF)}.
     */
    static long[] writeMessage(Path file, byte[] header, org.postern.core.MessageSource message) throws IOException {
        try (FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), Durable.privateFile());
             InputStream in = message.open()) {
            // buffers sized to the message (most are small), at most 64 KiB
            int bufSize = (int) Math.max(512, Math.min(65536, message.size() + header.length));
            LfWriter w = new LfWriter(ch, bufSize);
            w.write(header, header.length);
            byte[] buf = new byte[bufSize];
            int n;
            while ((n = in.read(buf)) > 0) {
                w.write(buf, n);
            }
            w.finish();
            ch.force(true);
            return new long[] {w.size, w.vsize};
        }
    }

    /** Converts CRLF to LF while writing, and counts the sizes. */
    static final class LfWriter {
        private static final byte[] CR = {'\r'};
        private final FileChannel ch;
        private final byte[] out;
        private int pos;
        private boolean pendingCr;
        private int last = -1;   // the last byte written out
        long size;
        long vsize;

        LfWriter(FileChannel ch, int bufferSize) {
            this.ch = ch;
            this.out = new byte[bufferSize];
        }

        void write(byte[] b, int len) throws IOException {
            int i = 0;
            while (i < len) {
                if (pendingCr) {
                    pendingCr = false;
                    if (b[i] == '\n') {
                        put(b, i, i + 1); // CRLF -> LF
                        i++;
                        continue;
                    }
                    put(CR, 0, 1); // a CR on its own stays
                }
                int j = i;
                while (j < len && b[j] != '\r') {
                    j++;
                }
                put(b, i, j);
                if (j < len) {
                    pendingCr = true; // decided by the next byte
                    j++;
                }
                i = j;
            }
        }

        /** Copies b[from, to), which holds no CR except perhaps a lone one, counting both sizes. */
        private void put(byte[] b, int from, int to) throws IOException {
            if (from == to) {
                return;
            }
            int prev = last;
            long lfs = 0;
            for (int k = from; k < to; k++) {
                if (b[k] == '\n' && prev != '\r') {
                    lfs++;
                }
                prev = b[k];
            }
            last = prev;
            size += to - from;
            vsize += (to - from) + lfs; // every bare LF counts as CRLF (RFC 822 size, Dovecot's W=)
            int k = from;
            while (k < to) {
                if (pos == out.length) {
                    flush();
                }
                int n = Math.min(to - k, out.length - pos);
                System.arraycopy(b, k, out, pos, n);
                pos += n;
                k += n;
            }
        }

        void finish() throws IOException {
            if (pendingCr) {
                pendingCr = false;
                put(CR, 0, 1);
            }
            flush();
        }

        private void flush() throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(out, 0, pos);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            pos = 0;
        }
    }

    static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", p, e.toString());
        }
    }

    // ---------------------------------------------------------------- quota

    @Override
    public long usage(Address mailbox) {
        Path homeDir;
        try {
            homeDir = homes.home(mailbox);
        } catch (IllegalArgumentException e) {
            return 0;
        }
        if (!Files.isDirectory(homeDir)) {
            return 0;
        }
        Home h = open.computeIfAbsent(homeDir, Home::new);
        h.lock.lock();
        try {
            MaildirQuota.State s = h.quotaState(null);
            h.cachedUsage = s.usage().bytes();
            return s.usage().bytes();
        } catch (IOException e) {
            log.warn("cannot read quota usage of {}: {}", homeDir, e.toString());
            return 0;
        } finally {
            h.lock.unlock();
        }
    }

    // ---------------------------------------------------------------- folders and index

    /**
     * The read side of a folder for the IMAP server: UIDs, flags and sizes (see {@link MaildirIndex}).
     *
     * @param folder null or "INBOX" for the INBOX, else a folder name
     */
    public MaildirIndex index(Address mailbox, String folder) {
        Path homeDir = homes.home(mailbox);
        String dirName = FolderNames.isInbox(folder) ? null : FolderNames.directoryName(folder);
        Home h = open.computeIfAbsent(homeDir, Home::new);
        return new MaildirIndex(h.folder(dirName));
    }

    /** The Maildir++ folders of a mailbox (decoded names, hierarchy separator '.'), INBOX not included. */
    public List<String> folders(Address mailbox) throws IOException {
        Path homeDir = homes.home(mailbox);
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(homeDir)) {
            for (Path p : ds) {
                String name = FolderNames.folderName(p.getFileName().toString());
                if (name != null && Files.isDirectory(p.resolve("cur"))) {
                    out.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    /** Creates a folder (and the INBOX Maildir around it) if missing. */
    public void createFolder(Address mailbox, String folder) throws IOException {
        Path homeDir = homes.home(mailbox);
        Home h = open.computeIfAbsent(homeDir, Home::new);
        h.folder(FolderNames.isInbox(folder) ? null : FolderNames.directoryName(folder)).ensure();
    }

    // ---------------------------------------------------------------- per-mailbox state

    /** One message between tmp/ and the commit. */
    static final class Pending {
        final Address mailbox;
        final Folder folder;
        final Path tmp;
        final String base;
        final long size;
        final long vsize;
        final Long quota;
        String finalName;
        long uid;
        Result result;
        boolean done;

        Pending(Address mailbox, Folder folder, Path tmp, String base, long size, long vsize, Long quota) {
            this.mailbox = mailbox;
            this.folder = folder;
            this.tmp = tmp;
            this.base = base;
            this.size = size;
            this.vsize = vsize;
            this.quota = quota;
        }

        void complete(Result r) {
            result = r;
            done = true;
        }
    }

    /** A mailbox home: its lock (also serialising UID list writes in this process), commit queue and quota cache. */
    final class Home {
        final Path dir;
        final ReentrantLock lock = new ReentrantLock();
        final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
        final ConcurrentHashMap<String, Folder> folders = new ConcurrentHashMap<>();
        volatile long cachedUsage = -1;
        long lastRecalc; // System.nanoTime of the last full recalculation, 0 never (guarded by lock)

        Home(Path dir) {
            this.dir = dir;
        }

        Folder folder(String dirName) {
            return folders.computeIfAbsent(dirName == null ? "" : dirName, k -> new Folder(this, dirName));
        }

        MaildirStore store() {
            return MaildirStore.this;
        }

        /** Authoritative over-quota check outside a commit (for the pre-check). */
        boolean exceedsQuota(long quota, long size) {
            lock.lock();
            try {
                MaildirQuota.State s = quotaState(quota);
                long used = s.usage().bytes();
                if (used + size > quota && System.nanoTime() - lastRecalc > QUOTA_RECHECK_NANOS) {
                    s = recalc(quota);
                    used = s.usage().bytes();
                }
                cachedUsage = used;
                return used + size > quota;
            } catch (IOException e) {
                return false; // let the commit decide
            } finally {
                lock.unlock();
            }
        }

        /** maildirsize, recalculated when missing, too long or defined for another quota. Caller holds the lock. */
        MaildirQuota.State quotaState(Long quota) throws IOException {
            MaildirQuota.State s = MaildirQuota.read(dir);
            if (MaildirQuota.needsRecalc(s, quota)) {
                s = recalc(quota != null ? quota : s == null ? null : s.quotaBytes());
            }
            return s;
        }

        MaildirQuota.State recalc(Long quota) throws IOException {
            if (!Files.isDirectory(dir)) {
                return new MaildirQuota.State(quota == null ? 0 : quota, new MaildirQuota.Usage(0, 0), 0);
            }
            MaildirQuota.State s = MaildirQuota.recalculate(dir, quota);
            lastRecalc = System.nanoTime();
            return s;
        }

        void commit(Pending p) {
            queue.add(p);
            lock.lock();
            try {
                if (!p.done) {
                    List<Pending> batch = new ArrayList<>();
                    Pending q;
                    while ((q = queue.poll()) != null) {
                        batch.add(q);
                    }
                    try {
                        commitBatch(batch);
                    } catch (RuntimeException e) {
                        log.error("maildir commit failed in {}", dir, e);
                        for (Pending b : batch) {
                            if (!b.done) {
                                deleteQuietly(b.tmp);
                                b.complete(ioFailure(new IOException(e.toString()), "commit"));
                            }
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        /** Caller holds the lock. */
        private void commitBatch(List<Pending> batch) {
            // 1. quota, exact: usage from maildirsize plus what this batch already accepted
            MaildirQuota.State qs = null;
            long acceptedBytes = 0;
            List<Pending> accepted = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                if (p.quota != null) {
                    try {
                        if (qs == null) {
                            qs = quotaState(p.quota);
                        }
                        if (qs.usage().bytes() + acceptedBytes + p.size > p.quota && System.nanoTime() - lastRecalc > QUOTA_RECHECK_NANOS) {
                            qs = recalc(p.quota); // the batch's files are still in tmp/: not counted
                        }
                    } catch (IOException e) {
                        deleteQuietly(p.tmp);
                        p.complete(ioFailure(e, "read " + dir.resolve(MaildirQuota.NAME)));
                        continue;
                    }
                    if (qs.usage().bytes() + acceptedBytes + p.size > p.quota) {
                        deleteQuietly(p.tmp);
                        p.complete(MaildirStore.overQuota(p.mailbox));
                        continue;
                    }
                }
                acceptedBytes += p.size;
                accepted.add(p);
            }

            // 2. rename into new/, grouped by folder
            Map<Folder, List<Pending>> byFolder = new LinkedHashMap<>();
            for (Pending p : accepted) {
                p.finalName = MaildirName.withSizes(p.base, p.size, p.vsize);
                Path target = p.folder.dir.resolve("new").resolve(p.finalName);
                try {
                    Files.move(p.tmp, target, StandardCopyOption.ATOMIC_MOVE);
                    byFolder.computeIfAbsent(p.folder, k -> new ArrayList<>()).add(p);
                } catch (IOException e) {
                    deleteQuietly(p.tmp);
                    p.complete(ioFailure(e, "rename to " + target));
                }
            }
            long committedBytes = 0;
            int committed = 0;
            for (Map.Entry<Folder, List<Pending>> e : byFolder.entrySet()) {
                Folder f = e.getKey();
                List<Pending> ps = e.getValue();
                List<String> names = new ArrayList<>(ps.size());
                for (Pending p : ps) {
                    names.add(p.finalName);
                }
                // 3. UIDs appended (not yet synced), then new/ fsynced, then the list synced: on
                // ext4 the directory fsync commits the append's metadata too, so the second sync
                // is nearly free. A list entry whose rename did not survive a crash is harmless
                // (an expunged-looking entry; that delivery was never acknowledged).
                long first = 0;
                Uidlist.Lock lock = null;
                try {
                    lock = Uidlist.Lock.acquire(f.dir, UIDLIST_LOCK_TIMEOUT);
                    first = f.assignUidsLocked(lock, names, false);
                } catch (IOException ex) {
                    log.warn("cannot update {}: {}; UIDs will be assigned at the next sync", f.dir.resolve(Uidlist.NAME), ex.toString());
                }
                try {
                    try {
                        Durable.fsyncDirectory(f.dir.resolve("new"));
                    } catch (IOException ex) {
                        // not known to be durable: take the files back out and fail them (the sender retries)
                        for (Pending p : ps) {
                            deleteQuietly(p.folder.dir.resolve("new").resolve(p.finalName));
                            p.complete(ioFailure(ex, "fsync " + f.dir.resolve("new")));
                        }
                        continue;
                    }
                    if (first != 0) {
                        try {
                            Uidlist.sync(f.dir);
                        } catch (IOException ex) {
                            log.warn("cannot sync {}: {}", f.dir.resolve(Uidlist.NAME), ex.toString());
                            first = 0; // not known to be durable: the next sync confirms the UIDs
                        }
                    }
                } finally {
                    if (lock != null) {
                        try {
                            lock.close();
                        } catch (IOException ex) {
                            log.warn("cannot remove {}: {}", f.dir.resolve(Uidlist.LOCK_NAME), ex.toString());
                        }
                    }
                }
                // 4. done: every message of this folder is durable
                for (int i = 0; i < ps.size(); i++) {
                    Pending p = ps.get(i);
                    long uid = first == 0 ? 0 : first + i;
                    committedBytes += p.size;
                    committed++;
                    p.complete(Result.ok(DETAIL_DELIVERED, uid));
                }
            }

            // 5. usage
            if (committed > 0) {
                try {
                    if (qs != null || Files.exists(dir.resolve(MaildirQuota.NAME))) {
                        MaildirQuota.append(dir, committedBytes, committed);
                    }
                } catch (IOException e) {
                    log.warn("cannot update {}: {}", dir.resolve(MaildirQuota.NAME), e.toString());
                }
                if (qs != null) {
                    cachedUsage = qs.usage().bytes() + committedBytes;
                } else if (cachedUsage >= 0) {
                    cachedUsage += committedBytes;
                }
            }
        }
    }

    /** One Maildir folder (the INBOX or a Maildir++ folder) and its cached UID list header. */
    final class Folder {
        final Home home;
        final Path dir;
        final String dirName;
        volatile boolean ready;

        // UID list cache, guarded by home.lock
        private Object fileKey;
        private long fileSize = -1;
        private java.nio.file.attribute.FileTime fileMtime;
        private long validEnd;
        private long nextUid;
        private Uidlist.Header header;
        private boolean corrupt;

        Folder(Home home, String dirName) {
            this.home = home;
            this.dirName = dirName;
            this.dir = dirName == null ? home.dir : home.dir.resolve(dirName);
        }

        /** Creates the folder's cur/new/tmp (and the INBOX's, for a subfolder) durably, once. */
        void ensure() throws IOException {
            if (ready) {
                return;
            }
            createLock.lock();
            try {
                if (ready) {
                    return;
                }
                for (String sub : new String[] {"cur", "new", "tmp"}) {
                    Durable.createDirectories(home.dir.resolve(sub));
                    if (dirName != null) {
                        Durable.createDirectories(dir.resolve(sub));
                    }
                }
                if (dirName != null) {
                    Path marker = dir.resolve("maildirfolder");
                    if (!Files.exists(marker)) {
                        try {
                            Files.newByteChannel(marker, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), Durable.privateFile()).close();
                            Durable.fsyncDirectory(dir);
                        } catch (FileAlreadyExistsException e) {
                            // made by another process
                        }
                    }
                }
                cleanTmp();
                ready = true;
            } finally {
                createLock.unlock();
            }
        }

        /**
         * Removes files left in tmp/ by deliveries that crashed more than 36 hours ago, as the
         * Maildir spec asks (done once per folder per process start).
         */
        private void cleanTmp() {
            long cutoff = System.currentTimeMillis() - TMP_MAX_AGE.toMillis();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("tmp"))) {
                for (Path p : ds) {
                    try {
                        if (Files.isRegularFile(p) && Files.getLastModifiedTime(p).toMillis() < cutoff) {
                            Files.deleteIfExists(p);
                            log.debug("removed stale {}", p);
                        }
                    } catch (IOException e) {
                        // gone or unreadable: not ours to worry about now
                    }
                }
            } catch (IOException e) {
                log.debug("cannot clean {}: {}", dir.resolve("tmp"), e.toString());
            }
        }

        /**
         * Assigns consecutive UIDs to files just put in new/ (or found there) and records them in
         * the UID list. Caller holds home.lock and the dotlock (a rebuild releases it). With
         * {@code sync} false an append is not fsynced: the caller calls {@link Uidlist#sync}.
         * Returns the first UID.
         */
        long assignUidsLocked(Uidlist.Lock l, List<String> names, boolean sync) throws IOException {
            Path list = dir.resolve(Uidlist.NAME);
            refresh();
            if (header == null || corrupt || header.version() != 3) {
                return rebuild(l, names);
            }
            StringBuilder sb = new StringBuilder(names.size() * 64);
            long uid = nextUid;
            for (String n : names) {
                sb.append(uid++).append(" :").append(n).append('\n');
            }
            long first = nextUid;
            l.append(validEnd, sb.toString(), sync);
            nextUid = uid;
            validEnd += sb.toString().getBytes(StandardCharsets.UTF_8).length;
            remember(list);
            return first;
        }

        long nextUid() {
            return nextUid;
        }

        /** Re-reads the UID list if someone else changed it since we last read or wrote it. */
        void refresh() throws IOException {
            Path list = dir.resolve(Uidlist.NAME);
            java.nio.file.attribute.BasicFileAttributes a;
            try {
                a = Files.readAttributes(list, java.nio.file.attribute.BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                header = null;
                fileKey = null;
                corrupt = false;
                return;
            }
            if (header != null && a.fileKey() != null && a.fileKey().equals(fileKey) && a.size() == fileSize
                    && a.lastModifiedTime().equals(fileMtime)) {
                return;
            }
            Uidlist.Read r;
            try {
                r = Uidlist.read(list, 0);
            } catch (IOException e) {
                log.warn("{} is broken ({}); rebuilding it with a new UIDVALIDITY", list, e.getMessage());
                corrupt = true;
                return;
            }
            if (r == null) {
                header = null;
                return;
            }
            corrupt = false;
            header = r.header();
            nextUid = Math.max(header.nextUid(), r.maxUid() + 1);
            validEnd = r.endOffset();
            fileKey = a.fileKey();
            fileSize = a.size();
            fileMtime = a.lastModifiedTime();
        }

        Uidlist.Header header() {
            return header;
        }

        private void remember(Path list) throws IOException {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(list, java.nio.file.attribute.BasicFileAttributes.class);
            fileKey = a.fileKey();
            fileSize = a.size();
            fileMtime = a.lastModifiedTime();
        }

        /**
         * Writes a new UID list: the entries of a readable old one (v1 or v3) kept, files in
         * cur/ and new/ it does not know numbered next (in name order, which is arrival order),
         * then {@code names}. Used when the list is missing, old-format or broken.
         */
        private long rebuild(Uidlist.Lock l, List<String> names) throws IOException {
            Path list = dir.resolve(Uidlist.NAME);
            Uidlist.Read old = null;
            if (!corrupt) {
                try {
                    old = Uidlist.read(list, 0);
                } catch (IOException e) {
                    old = null;
                }
            }
            Uidlist.Header h = old != null ? new Uidlist.Header(3, old.header().uidValidity(), old.header().nextUid(), old.header().guid())
                    : Uidlist.newHeader();
            if (h.guid() == null) {
                h = new Uidlist.Header(3, h.uidValidity(), h.nextUid(), Uidlist.newHeader().guid());
            }
            List<Uidlist.Entry> entries = new ArrayList<>(old == null ? List.of() : old.entries());
            java.util.Set<String> known = new java.util.HashSet<>();
            for (Uidlist.Entry e : entries) {
                known.add(e.baseName());
            }
            java.util.Set<String> fresh = new java.util.HashSet<>();
            for (String n : names) {
                fresh.add(MaildirName.base(n));
            }
            List<String> unknown = new ArrayList<>();
            for (String sub : new String[] {"new", "cur"}) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(sub))) {
                    for (Path p : ds) {
                        String fn = p.getFileName().toString();
                        String b = MaildirName.base(fn);
                        if (!fn.startsWith(".") && !known.contains(b) && !fresh.contains(b)) {
                            unknown.add(fn);
                            known.add(b);
                        }
                    }
                } catch (NoSuchFileException e) {
                    // no such subdirectory yet
                }
            }
            unknown.sort(null);
            long uid = Math.max(h.nextUid(), old == null ? 1 : old.maxUid() + 1);
            for (String fn : unknown) {
                entries.add(new Uidlist.Entry(uid++, "", fn));
            }
            long first = uid;
            for (String n : names) {
                entries.add(new Uidlist.Entry(uid++, "", n));
            }
            StringBuilder sb = new StringBuilder();
            sb.append(new Uidlist.Header(3, h.uidValidity(), uid, h.guid()).format());
            for (Uidlist.Entry e : entries) {
                sb.append(e.format());
            }
            l.replace(sb.toString());
            header = new Uidlist.Header(3, h.uidValidity(), uid, h.guid());
            nextUid = uid;
            validEnd = sb.toString().getBytes(StandardCharsets.UTF_8).length;
            corrupt = false;
            remember(list);
            return first;
        }
    }
}
