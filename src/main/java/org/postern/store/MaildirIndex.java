package org.postern.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side of one Maildir folder, for the IMAP server: the messages with their UIDs (from
 * {@code dovecot-uidlist}, shared with Dovecot), flags (the {@code :2,FLAGS} info of the name),
 * sizes and paths. New mail is visible at once: {@link #sync()} scans {@code new/} and
 * {@code cur/} and numbers any file the list does not know yet (delivered by another agent, or
 * before a crash), under the same locks deliveries take, so a UID is never given twice.
 */
public final class MaildirIndex {
    private final MaildirStore.Folder folder;

    MaildirIndex(MaildirStore.Folder folder) {
        this.folder = folder;
    }

    /**
     * One message.
     *
     * @param uid      its IMAP UID
     * @param fileName the current file name (with {@code :2,flags} when in cur/)
     * @param inNew    true while in {@code new/} (IMAP \Recent candidates)
     * @param flags    the standard Maildir flag letters (D, F, P, R, S, T) and keyword letters a-z, as in the name
     * @param size     bytes on disk ({@code ,S=} or stat)
     * @param vsize    RFC 822 size with CRLF line ends ({@code ,W=} or the list's W field), -1 when unknown
     * @param path     where the file is now
     */
    public record Message(long uid, String fileName, boolean inNew, String flags, long size, long vsize, Path path) {
        public boolean seen() {
            return flags.indexOf('S') >= 0;
        }

        public boolean deleted() {
            return flags.indexOf('T') >= 0;
        }
    }

    /** A consistent view of the folder. {@code messages} ascend by UID. */
    public record Snapshot(long uidValidity, long nextUid, String guid, List<Message> messages) {
    }

    /** The folder's Maildir directory. */
    public Path directory() {
        return folder.dir;
    }

    /**
     * Scans the folder, assigns UIDs to files that have none, and returns every message.
     * A folder that does not exist yet is empty (UIDVALIDITY 0).
     */
    public Snapshot sync() throws IOException {
        Path dir = folder.dir;
        if (!Files.isDirectory(dir.resolve("cur")) && !Files.isDirectory(dir.resolve("new"))) {
            return new Snapshot(0, 1, null, List.of());
        }
        folder.home.lock.lock();
        try (Uidlist.Lock l = Uidlist.Lock.acquire(dir, MaildirStore.UIDLIST_LOCK_TIMEOUT)) {
            // scanned under the dotlock: Dovecot renames (flag changes, new/ -> cur/) only holding it
            Map<String, String[]> files = scan(dir);
            folder.refresh();
            Uidlist.Read read;
            try {
                read = folder.header() == null ? null : Uidlist.read(dir.resolve(Uidlist.NAME), 0);
            } catch (IOException broken) {
                read = null; // assignUidsLocked rebuilds it
            }
            List<String> unknown = new ArrayList<>();
            if (read == null) {
                unknown.addAll(files.values().stream().map(v -> v[0]).toList());
            } else {
                java.util.Set<String> known = new java.util.HashSet<>();
                for (Uidlist.Entry e : read.entries()) {
                    known.add(e.baseName());
                }
                for (Map.Entry<String, String[]> f : files.entrySet()) {
                    if (!known.contains(f.getKey())) {
                        unknown.add(f.getValue()[0]);
                    }
                }
            }
            if (!unknown.isEmpty() || read == null || read.header().version() != 3) {
                unknown.sort(null);
                folder.assignUidsLocked(l, unknown, true);
                read = Uidlist.read(dir.resolve(Uidlist.NAME), 0);
                if (read == null) {
                    throw new IOException(dir.resolve(Uidlist.NAME) + " vanished while syncing");
                }
            }
            List<Message> out = new ArrayList<>(files.size());
            for (Uidlist.Entry e : read.entries()) {
                String[] f = files.get(e.baseName());
                if (f == null) {
                    continue; // expunged; the list is cleaned up lazily, as Dovecot does
                }
                String name = f[0];
                boolean inNew = f[1] != null;
                Path path = dir.resolve(inNew ? "new" : "cur").resolve(name);
                long size = MaildirName.size(name);
                if (size < 0) {
                    try {
                        size = Files.size(path);
                    } catch (NoSuchFileException gone) {
                        continue;
                    }
                }
                long vsize = MaildirName.vsize(name);
                if (vsize < 0) {
                    vsize = extensionW(e.extensions());
                }
                out.add(new Message(e.uid(), name, inNew, MaildirName.flags(name), size, vsize, path));
            }
            long next = Math.max(read.header().nextUid(), read.maxUid() + 1);
            return new Snapshot(read.header().uidValidity(), next, read.header().guid(), List.copyOf(out));
        } finally {
            folder.home.lock.unlock();
        }
    }

    /**
     * Sets a message's flags: the file moves to {@code cur/} with {@code :2,<flags>} (letters in
     * ASCII order, as the Maildir spec asks; anything Dovecot keeps after a comma in the info
     * is preserved). The UID stays, since the base name does not change.
     *
     * @param flags standard flag letters (D, F, P, R, S, T) and keyword letters a-z
     * @return the message as it is now
     * @throws java.nio.file.NoSuchFileException when the message was expunged meanwhile
     */
    public Message setFlags(Message m, String flags) throws IOException {
        String letters = normaliseFlags(flags);
        folder.home.lock.lock();
        try (Uidlist.Lock l = Uidlist.Lock.acquire(folder.dir, MaildirStore.UIDLIST_LOCK_TIMEOUT)) {
            Path current = locate(m);
            String name = current.getFileName().toString();
            String base = MaildirName.base(name);
            int info = name.indexOf(":2,");
            String extra = "";
            if (info >= 0) {
                int comma = name.indexOf(',', info + 3);
                extra = comma < 0 ? "" : name.substring(comma);
            }
            String target = base + ":2," + letters + extra;
            Path dest = folder.dir.resolve("cur").resolve(target);
            if (!dest.equals(current)) {
                Files.move(current, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return new Message(m.uid(), target, false, letters, m.size(), m.vsize(), dest);
        } finally {
            folder.home.lock.unlock();
        }
    }

    /**
     * Removes a message for good (IMAP EXPUNGE) and records the freed space in
     * {@code maildirsize}. Its UID is never given again. Returns false when it was already gone.
     */
    public boolean expunge(Message m) throws IOException {
        folder.home.lock.lock();
        try (Uidlist.Lock l = Uidlist.Lock.acquire(folder.dir, MaildirStore.UIDLIST_LOCK_TIMEOUT)) {
            Path current;
            try {
                current = locate(m);
            } catch (NoSuchFileException e) {
                return false;
            }
            Files.delete(current);
            if (Files.exists(folder.home.dir.resolve(MaildirQuota.NAME))) {
                MaildirQuota.append(folder.home.dir, -m.size(), -1);
                if (folder.home.cachedUsage >= 0) {
                    folder.home.cachedUsage = Math.max(0, folder.home.cachedUsage - m.size());
                }
            }
            return true;
        } finally {
            folder.home.lock.unlock();
        }
    }

    /** The message's file now: its last known path, else found again by base name in cur/ or new/. */
    private Path locate(Message m) throws IOException {
        if (Files.exists(m.path())) {
            return m.path();
        }
        String base = MaildirName.base(m.fileName());
        for (String sub : new String[] {"cur", "new"}) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder.dir.resolve(sub))) {
                for (Path p : ds) {
                    if (MaildirName.base(p.getFileName().toString()).equals(base)) {
                        return p;
                    }
                }
            } catch (NoSuchFileException e) {
                // no such subdirectory
            }
        }
        throw new NoSuchFileException(m.path().toString(), null, "message UID " + m.uid() + " is gone");
    }

    static String normaliseFlags(String flags) {
        java.util.TreeSet<Character> set = new java.util.TreeSet<>();
        for (char c : flags.toCharArray()) {
            boolean ok = "DFPRST".indexOf(c) >= 0 || (c >= 'a' && c <= 'z');
            if (!ok) {
                throw new IllegalArgumentException("not a Maildir flag letter: '" + c + "'");
            }
            set.add(c);
        }
        StringBuilder sb = new StringBuilder();
        set.forEach(sb::append);
        return sb.toString();
    }

    private static long extensionW(String ext) {
        for (String f : ext.split(" ")) {
            if (f.length() > 1 && f.charAt(0) == 'W') {
                try {
                    return Long.parseLong(f.substring(1));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** base name -> {file name, non-null marker when in new/}. */
    private static Map<String, String[]> scan(Path dir) throws IOException {
        Map<String, String[]> files = new HashMap<>();
        for (String sub : new String[] {"new", "cur"}) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(sub))) {
                for (Path p : ds) {
                    String fn = p.getFileName().toString();
                    if (fn.startsWith(".")) {
                        continue;
                    }
                    files.put(MaildirName.base(fn), new String[] {fn, sub.equals("new") ? "new" : null});
                }
            } catch (NoSuchFileException e) {
                // not there yet
            }
        }
        return files;
    }
}
