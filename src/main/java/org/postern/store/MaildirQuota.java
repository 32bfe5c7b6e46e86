package org.postern.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Usage accounting with the Maildir++ {@code maildirsize} file (Courier's README.maildirquota,
 * also Dovecot's {@code quota = maildir} backend): the first line is the quota definition
 * ({@code <bytes>S}; {@code 0S} for no limit), each further line a change {@code <bytes> <count>}
 * appended after a delivery (negative after an expunge). Usage is the sum of the lines, so a
 * delivery never scans the Maildir. When the file reaches 5120 bytes, is missing, or its
 * definition no longer matches, it is recalculated by one scan of every folder (sizes from the
 * {@code ,S=} field of the names, {@code stat} only for names without one) and replaced
 * atomically (written in {@code tmp/}, renamed over).
 */
public final class MaildirQuota {
    public static final String NAME = "maildirsize";
    /** Maildir++: recalculate once the file reaches this size. */
    static final int RECALC_SIZE = 5120;

    private MaildirQuota() {
    }

    /** Usage in bytes and messages. */
    public record Usage(long bytes, long count) {
    }

    /** The parsed file: its definition line (quota in bytes, 0 unlimited), usage, and file length. */
    record State(long quotaBytes, Usage usage, long fileLength) {
    }

    /** Reads {@code maildirsize}; null when missing or unreadable as Maildir++. */
    static State read(Path home) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(home.resolve(NAME));
        } catch (NoSuchFileException e) {
            return null;
        }
        String text = new String(data, StandardCharsets.US_ASCII);
        String[] lines = text.split("\n", -1);
        if (lines.length < 1 || lines[0].isBlank()) {
            return null;
        }
        long quota = -1;
        for (String part : lines[0].split(",")) {
            String p = part.strip();
            if (p.endsWith("S")) {
                try {
                    quota = Long.parseLong(p.substring(0, p.length() - 1));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        if (quota < 0) {
            quota = 0;
        }
        long bytes = 0;
        long count = 0;
        // the last element is what follows the final newline: a torn line, ignored
        for (int i = 1; i < lines.length - 1; i++) {
            String l = lines[i].strip();
            if (l.isEmpty()) {
                continue;
            }
            String[] f = l.split("\\s+");
            try {
                bytes += Long.parseLong(f[0]);
                count += f.length > 1 ? Long.parseLong(f[1]) : 0;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return new State(quota, new Usage(bytes, count), data.length);
    }

    /** True when the file must be recalculated before use. */
    static boolean needsRecalc(State s, Long quotaBytes) {
        return s == null || s.fileLength() >= RECALC_SIZE || s.usage().bytes() < 0
                || (quotaBytes != null && s.quotaBytes() != quotaBytes);
    }

    /** Appends one change line (no fsync: the file is a cache, recalculated when doubtful). */
    static void append(Path home, long bytes, long count) throws IOException {
        byte[] line = (bytes + " " + count + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(home.resolve(NAME), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(line));
        }
    }

    /**
     * Scans every folder of the Maildir and replaces {@code maildirsize} with the exact usage.
     *
     * @param quotaBytes the limit to write in the definition line (null or 0: none)
     */
    static State recalculate(Path home, Long quotaBytes) throws IOException {
        Usage u = scan(home);
        long q = quotaBytes == null ? 0 : quotaBytes;
        String content = q + "S\n" + u.bytes() + " " + u.count() + "\n";
        Path tmpDir = home.resolve("tmp");
        Files.createDirectories(tmpDir);
        Path tmp = tmpDir.resolve(MaildirName.unique("maildirsize"));
        Files.write(tmp, content.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.move(tmp, home.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new State(q, u, content.length());
    }

    /** Exact usage: the sizes of all messages in the INBOX and every Maildir++ folder. */
    public static Usage scan(Path home) throws IOException {
        long[] acc = new long[2];
        scanFolder(home, acc);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(home)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.length() > 1 && n.charAt(0) == '.' && !n.equals("..") && Files.isDirectory(p)) {
                    scanFolder(p, acc);
                }
            }
        } catch (NoSuchFileException e) {
            return new Usage(0, 0);
        }
        return new Usage(acc[0], acc[1]);
    }

    private static void scanFolder(Path folder, long[] acc) throws IOException {
        for (String sub : new String[] {"cur", "new"}) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder.resolve(sub))) {
                for (Path f : ds) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    long s = MaildirName.size(name);
                    if (s < 0) {
                        try {
                            s = Files.size(f);
                        } catch (NoSuchFileException gone) {
                            continue; // moved or expunged meanwhile
                        }
                    }
                    acc[0] += s;
                    acc[1]++;
                }
            } catch (NoSuchFileException e) {
                // folder without cur/ or new/ yet
            }
        }
    }
}
