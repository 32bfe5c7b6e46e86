package org.postern.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.MessageSource;

class MaildirStoreTest {
    @TempDir
    Path data;

    static final Pattern NAME = Pattern.compile("\\d+\\.M\\d+P\\d+Q\\d+\\.mx\\.example\\.org,S=(\\d+),W=(\\d+)");

    static MessageSource bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new MessageSource() {
            public InputStream open() {
                return new java.io.ByteArrayInputStream(b);
            }

            public long size() {
                return b.length;
            }
        };
    }

    static MessageSource message(int size) {
        StringBuilder sb = new StringBuilder("From: a@example.com\r\nTo: bob@example.org\r\nSubject: test\r\n\r\n");
        while (sb.length() < size) {
            sb.append("0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
        }
        return bytes(sb.toString());
    }

    MaildirStore store() {
        return new MaildirStore(data, "mail/%d/%n", "mx.example.org");
    }

    static MailStore.Request req(Address to, Long quota, String folder, MessageSource m) {
        return new MailStore.Request(to, quota, "alice@example.com", to, folder, m);
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** The stored form: CRLF becomes LF, a lone CR stays; W= counts each stored bare LF as two bytes. */
    @Test
    void lfWriterMatchesByteByByteConversionWhateverTheChunks() throws IOException {
        java.util.Random rnd = new java.util.Random(42);
        byte[] alphabet = {'a', 'b', '\r', '\n', '.', ' '};
        for (int round = 0; round < 300; round++) {
            byte[] in = new byte[rnd.nextInt(300)];
            for (int i = 0; i < in.length; i++) {
                in[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            java.io.ByteArrayOutputStream want = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < in.length; i++) {
                if (in[i] == '\r' && i + 1 < in.length && in[i + 1] == '\n') {
                    continue;
                }
                want.write(in[i]);
            }
            byte[] w = want.toByteArray();
            long wantV = w.length;
            for (int i = 0; i < w.length; i++) {
                if (w[i] == '\n' && (i == 0 || w[i - 1] != '\r')) {
                    wantV++;
                }
            }
            Path f = data.resolve("lf" + round);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                MaildirStore.LfWriter lw = new MaildirStore.LfWriter(ch, 1 + rnd.nextInt(64));
                int off = 0;
                while (off < in.length) {
                    int n = 1 + rnd.nextInt(Math.min(40, in.length - off));
                    lw.write(java.util.Arrays.copyOfRange(in, off, off + n), n);
                    off += n;
                }
                lw.finish();
                assertEquals(w.length, lw.size);
                assertEquals(wantV, lw.vsize, "round " + round);
            }
            assertEquals(new String(w, StandardCharsets.ISO_8859_1), Files.readString(f, StandardCharsets.ISO_8859_1), "round " + round);
        }
    }

    @Test
    void deliversIntoNewWithHeadersSizesAndUid() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("Bob@Example.org");
        MailStore.Result r = st.deliver(req(bob, null, null, bytes("Subject: hi\r\n\r\nline one\r\nline two\r\n")));
        assertTrue(r.delivered(), r.toString());
        assertEquals(250, r.reply().code());
        assertEquals(1, r.uid());
        assertEquals("delivered to maildir", r.detail());

        Path home = data.resolve("mail/example.org/bob");
        assertEquals(home, st.home(bob));
        for (String sub : List.of("cur", "new", "tmp")) {
            assertTrue(Files.isDirectory(home.resolve(sub)), sub);
        }
        assertTrue(list(home.resolve("tmp")).isEmpty(), "tmp/ is empty after delivery");
        List<Path> files = list(home.resolve("new"));
        assertEquals(1, files.size());
        String name = files.getFirst().getFileName().toString();
        var m = NAME.matcher(name);
        assertTrue(m.matches(), name);
        String content = Files.readString(files.getFirst());
        assertEquals("Return-Path: <alice@example.com>\nDelivered-To: Bob@example.org\nSubject: hi\n\nline one\nline two\n", content);
        long size = Files.size(files.getFirst());
        assertEquals(size, Long.parseLong(m.group(1)));
        assertEquals(size + content.chars().filter(c -> c == '\n').count(), Long.parseLong(m.group(2)));

        List<String> uidlist = Files.readAllLines(home.resolve("dovecot-uidlist"));
        assertTrue(uidlist.get(0).matches("3 V\\d+ N\\d+ G[0-9a-f]{32}"), uidlist.get(0));
        assertEquals("1 :" + name, uidlist.get(1));
    }

    @Test
    void nullSenderAndCrLfEdgeCases() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        // bare CR stays; CR CR LF keeps one CR before the LF; a final CR without LF stays
        MailStore.Result r = st.deliver(new MailStore.Request(bob, null, "", bob, null, bytes("A: b\r\n\r\nx\ry\r\r\nend\r")));
        assertTrue(r.delivered());
        Path f = list(st.home(bob).resolve("new")).getFirst();
        byte[] b = Files.readAllBytes(f);
        String s = new String(b, StandardCharsets.ISO_8859_1);
        assertEquals("Return-Path: <>\nDelivered-To: bob@example.org\nA: b\n\nx\ry\r\nend\r", s);
        var m = NAME.matcher(f.getFileName().toString());
        assertTrue(m.matches());
        // vsize: each LF not preceded by CR counts two; the CRLF pair counts as is
        long lone = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) {
                lone++;
            }
        }
        assertEquals(4, lone);
        assertEquals(b.length + lone, Long.parseLong(m.group(2)));
    }

    @Test
    void thousandParallelDeliveriesGetDistinctNamesAndGaplessUids() throws Exception {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        Set<Long> notified = ConcurrentHashMap.newKeySet();
        st.addListener((mb, folder, uid) -> notified.add(uid));
        int n = 1000;
        List<Future<MailStore.Result>> fs = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                MessageSource m = message(1000 + i);
                fs.add(ex.submit(() -> st.deliver(req(bob, null, null, m))));
            }
        }
        TreeSet<Long> uids = new TreeSet<>();
        for (Future<MailStore.Result> f : fs) {
            MailStore.Result r = f.get();
            assertTrue(r.delivered(), r.toString());
            uids.add(r.uid());
        }
        assertEquals(n, uids.size(), "no duplicate UIDs");
        assertEquals(1L, uids.first());
        assertEquals((long) n, uids.last(), "no gaps");
        assertEquals(uids, new TreeSet<>(notified));
        Path home = st.home(bob);
        assertEquals(n, list(home.resolve("new")).size(), "all names distinct");
        assertTrue(list(home.resolve("tmp")).isEmpty());

        // the UID list maps every file, once, ascending
        Uidlist.Read read = Uidlist.read(home.resolve("dovecot-uidlist"), 0);
        assertEquals(n, read.entries().size());
        Set<String> listed = new java.util.HashSet<>();
        for (Uidlist.Entry e : read.entries()) {
            assertTrue(Files.exists(home.resolve("new").resolve(e.fileName())), e.fileName());
            listed.add(e.fileName());
        }
        assertEquals(n, listed.size());

        MaildirIndex.Snapshot snap = st.index(bob, null).sync();
        assertEquals(n, snap.messages().size());
        assertEquals(n + 1, snap.nextUid());
        assertEquals(read.header().uidValidity(), snap.uidValidity());
    }

    @Test
    void quotaRejectsWhatWouldExceedAndTracksUsage() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        long quota = 20_000;
        int delivered = 0;
        MailStore.Result r;
        while ((r = st.deliver(req(bob, quota, null, message(4096)))).delivered()) {
            delivered++;
            assertTrue(delivered < 10);
        }
        assertEquals(4, delivered, "4 x ~4.2 KB fit in 20000 bytes, the 5th does not");
        assertEquals(552, r.reply().code());
        assertEquals("5.2.2", r.reply().status().toString());
        assertEquals("Mailbox full", r.reply().text());
        Path home = st.home(bob);
        assertEquals(4, list(home.resolve("new")).size(), "nothing of the rejected message in new/");
        assertTrue(list(home.resolve("tmp")).isEmpty(), "nor in tmp/");

        long onDisk = 0;
        for (Path p : list(home.resolve("new"))) {
            onDisk += Files.size(p);
        }
        assertEquals(onDisk, st.usage(bob));
        List<String> lines = Files.readAllLines(home.resolve("maildirsize"));
        assertEquals("20000S", lines.getFirst());
        // a small message still fits; unlimited (null) always does
        assertTrue(st.deliver(req(bob, quota, null, bytes("S: x\r\n\r\nsmall\r\n"))).delivered());
        assertTrue(st.deliver(req(bob, null, null, message(4096))).delivered());
        assertEquals(0, st.usage(Address.parse("nobody@example.org")));
    }

    @Test
    void quotaIsExactUnderConcurrency() throws Exception {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        long quota = 50_000;
        List<Future<MailStore.Result>> fs = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 40; i++) {
                fs.add(ex.submit(() -> st.deliver(req(bob, quota, null, message(4096)))));
            }
        }
        int ok = 0;
        for (Future<MailStore.Result> f : fs) {
            MailStore.Result r = f.get();
            if (r.delivered()) {
                ok++;
            } else {
                assertEquals(552, r.reply().code());
            }
        }
        long used = st.usage(bob);
        assertTrue(used <= quota, "usage " + used + " within quota");
        assertEquals(ok, list(st.home(bob).resolve("new")).size());
        assertTrue(ok >= 10, "as many as fit were delivered: " + ok);
    }

    @Test
    void localPartsCannotEscapeTheMailRoot() throws IOException {
        MaildirStore st = store();
        Path root = data.resolve("mail").toAbsolutePath().normalize();
        for (String a : List.of("\"../../x\"@example.org", "\"..\"@example.org", "a/b@example.org", "\"/etc\"@example.org",
                "\".Junk\"@example.org", "%2F@example.org", "\"a\\\\b\"@example.org")) {
            Address addr = Address.parse(a);
            Path home = st.home(addr);
            assertTrue(home.startsWith(root) && !home.equals(root), a + " -> " + home);
            assertEquals(root.resolve("example.org"), home.getParent(), a + " stays one level below the domain: " + home);
            MailStore.Result r = st.deliver(req(addr, null, null, bytes("S: x\r\n\r\nx\r\n")));
            assertTrue(r.delivered(), a + ": " + r);
            assertTrue(Files.isDirectory(home.resolve("new")));
        }
        // the encoding is injective: "a/b" and "a%2Fb" differ
        assertNotEquals(st.home(Address.parse("a/b@example.org")), st.home(Address.parse("a%2Fb@example.org")));
        assertEquals("a%2Fb", HomeTemplate.encode("a/b"));
        assertEquals("%2E.", HomeTemplate.encode(".."));
        assertEquals("a%25b", HomeTemplate.encode("a%b"));
        try (Stream<Path> all = Files.walk(data)) {
            all.forEach(p -> assertTrue(p.toAbsolutePath().normalize().startsWith(data.toAbsolutePath().normalize()), p.toString()));
        }
    }

    @Test
    void templatesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new HomeTemplate(data, "mail/all"));
        assertThrows(IllegalArgumentException.class, () -> new HomeTemplate(data, "mail/../%d/%n"));
        assertThrows(IllegalArgumentException.class, () -> new HomeTemplate(data, "mail/%x"));
        HomeTemplate t = new HomeTemplate(data, "/srv/vmail/%Ld/%Ln");
        assertEquals(Path.of("/srv/vmail/example.org/bob"), t.home(Address.parse("BOB@EXAMPLE.ORG")));
        assertEquals(Path.of("/srv/vmail"), t.root());
        HomeTemplate u = new HomeTemplate(data, "mail/%u");
        assertEquals(data.toAbsolutePath().resolve("mail/bob@example.org"), u.home(Address.parse("Bob@example.org")));
    }

    @Test
    void maildirPlusPlusFolders() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        assertTrue(st.deliver(req(bob, null, "Junk", bytes("S: spam\r\n\r\nx\r\n"))).delivered());
        assertTrue(st.deliver(req(bob, null, "Entwürfe", bytes("S: d\r\n\r\nx\r\n"))).delivered());
        assertTrue(st.deliver(req(bob, null, "Archive/2024", bytes("S: d\r\n\r\nx\r\n"))).delivered());
        Path home = st.home(bob);
        for (String f : List.of(".Junk", ".Entw&APw-rfe", ".Archive.2024")) {
            for (String sub : List.of("cur", "new", "tmp")) {
                assertTrue(Files.isDirectory(home.resolve(f).resolve(sub)), f + "/" + sub);
            }
            assertTrue(Files.exists(home.resolve(f).resolve("maildirfolder")), f);
            assertEquals(1, list(home.resolve(f).resolve("new")).size());
            assertTrue(Files.exists(home.resolve(f).resolve("dovecot-uidlist")));
        }
        assertTrue(Files.isDirectory(home.resolve("new")), "the INBOX Maildir exists around its folders");
        assertEquals(List.of("Archive.2024", "Entwürfe", "Junk"), st.folders(bob));
        assertEquals(1, st.index(bob, "Junk").sync().messages().size());
        assertEquals(0, st.index(bob, "INBOX").sync().messages().size());
        // bad folder names are refused, not created
        MailStore.Result bad = st.deliver(req(bob, null, "a..b", bytes("S: x\r\n\r\nx\r\n")));
        assertFalse(bad.delivered());
        assertEquals(550, bad.reply().code());
        assertEquals("&AOQ-&-", FolderNames.encodeUtf7("ä&"));
        assertEquals("ä&", FolderNames.decodeUtf7("&AOQ-&-"));
        assertEquals("日本語", FolderNames.decodeUtf7(FolderNames.encodeUtf7("日本語")));
    }

    @Test
    void readErrorLeavesNoFileAndIsTemporary() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        MessageSource broken = new MessageSource() {
            public InputStream open() {
                return new InputStream() {
                    int n;

                    public int read() throws IOException {
                        if (n++ > 5000) {
                            throw new IOException("Input/output error");
                        }
                        return 'x';
                    }
                };
            }

            public long size() {
                return 10_000;
            }
        };
        MailStore.Result r = st.deliver(req(bob, null, null, broken));
        assertFalse(r.delivered());
        assertEquals(451, r.reply().code());
        assertEquals("4.3.0", r.reply().status().toString());
        assertTrue(r.detail().contains("Input/output error"), r.detail());
        Path home = st.home(bob);
        assertTrue(list(home.resolve("new")).isEmpty());
        assertTrue(list(home.resolve("tmp")).isEmpty());
        // and the mailbox still works
        assertEquals(1, st.deliver(req(bob, null, null, message(100))).uid());
    }

    @Test
    void staleTmpFilesAreRemovedAtFirstUse() throws IOException {
        Address bob = Address.parse("bob@example.org");
        store().deliver(req(bob, null, null, message(100)));
        Path tmp = store().home(bob).resolve("tmp");
        Path old = Files.writeString(tmp.resolve("1600000000.M1P1Q1.crashed"), "half");
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 37L * 3600 * 1000));
        Path recent = Files.writeString(tmp.resolve("1600000000.M1P1Q2.inflight"), "half");
        store().deliver(req(bob, null, null, message(100))); // a new store: first use of the folder in this "process"
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(recent), "an in-flight delivery of another process is left alone");
    }

    @Test
    void diskFullIsTemporary() {
        MailStore.Result r = MaildirStore.ioFailure(new IOException("No space left on device"), "write x");
        assertEquals(452, r.reply().code());
        assertEquals("4.3.1", r.reply().status().toString());
    }

    @Test
    void indexNumbersForeignFilesAndReadsFlags() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        long u1 = st.deliver(req(bob, null, null, message(200))).uid();
        Path home = st.home(bob);
        // another MDA drops a file into new/ (no UID list entry), a client marks the first one seen
        Files.writeString(home.resolve("new/1700000000.12345_1.other,S=12"), "Subject: x\n\n");
        Path first = list(home.resolve("new")).stream().filter(p -> p.getFileName().toString().contains(",W=")).findFirst().orElseThrow();
        Files.move(first, home.resolve("cur").resolve(first.getFileName() + ":2,FS"));
        MaildirIndex.Snapshot s = st.index(bob, null).sync();
        assertEquals(2, s.messages().size());
        MaildirIndex.Message m1 = s.messages().get(0);
        assertEquals(u1, m1.uid());
        assertEquals("FS", m1.flags());
        assertTrue(m1.seen());
        assertFalse(m1.inNew());
        MaildirIndex.Message m2 = s.messages().get(1);
        assertEquals(2, m2.uid());
        assertTrue(m2.inNew());
        assertEquals(12, m2.size());
        // the next delivery continues after it; the UID list stays stable across syncs
        assertEquals(3, st.deliver(req(bob, null, null, message(200))).uid());
        assertEquals(List.of(1L, 2L, 3L), st.index(bob, null).sync().messages().stream().map(MaildirIndex.Message::uid).toList());
        // an expunged file disappears from the view; its UID is never reused
        Files.delete(home.resolve("new/1700000000.12345_1.other,S=12"));
        assertEquals(List.of(1L, 3L), st.index(bob, null).sync().messages().stream().map(MaildirIndex.Message::uid).toList());
        assertEquals(4, st.deliver(req(bob, null, null, message(200))).uid());
    }

    @Test
    void flagsAndExpunge() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        for (int i = 0; i < 3; i++) {
            st.deliver(req(bob, 1_000_000L, null, message(500)));
        }
        MaildirIndex idx = st.index(bob, null);
        List<MaildirIndex.Message> ms = idx.sync().messages();
        long before = st.usage(bob);
        MaildirIndex.Message m = idx.setFlags(ms.get(0), "SF");
        assertEquals("FS", m.flags());
        assertTrue(m.path().toString().contains("/cur/"), m.path().toString());
        assertTrue(m.fileName().endsWith(":2,FS"));
        // stale handle (old path): found again by base name
        MaildirIndex.Message m2 = idx.setFlags(ms.get(0), "S");
        assertEquals("S", m2.flags());
        assertEquals(List.of("S", "", ""), idx.sync().messages().stream().map(MaildirIndex.Message::flags).toList());
        assertThrows(IllegalArgumentException.class, () -> idx.setFlags(ms.get(1), "X"));

        assertTrue(idx.expunge(ms.get(1)));
        assertFalse(idx.expunge(ms.get(1)));
        assertEquals(List.of(1L, 3L), idx.sync().messages().stream().map(MaildirIndex.Message::uid).toList());
        assertEquals(before - ms.get(1).size(), st.usage(bob));
        assertEquals(4, st.deliver(req(bob, null, null, message(100))).uid(), "an expunged UID is never reused");
    }

    @Test
    void tornUidlistTailAndExternalChangesAreHandled() throws IOException {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        st.deliver(req(bob, null, null, message(200)));
        Path list = st.home(bob).resolve("dovecot-uidlist");
        // a crash mid-append leaves a line without its newline
        Files.writeString(list, "2 :half-writ", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(2, st.deliver(req(bob, null, null, message(200))).uid());
        List<String> lines = Files.readAllLines(list);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(2).startsWith("2 :"));
        assertFalse(Files.readString(list).contains("half-writ"));
        // another process (Dovecot) appends entries with higher UIDs: we continue after them
        Files.writeString(list, "10 :1700000000.M1P1.other,S=1\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(11, st.deliver(req(bob, null, null, message(200))).uid());
        // a broken list is rebuilt with a new UIDVALIDITY, every file numbered
        Files.writeString(list, "garbage\n");
        assertThrows(IOException.class, () -> Uidlist.read(list, 0));
        MailStore.Result r = st.deliver(req(bob, null, null, message(200)));
        assertTrue(r.delivered());
        assertEquals(4, r.uid(), "three existing files first, then the new one");
        assertEquals(4, st.index(bob, null).sync().messages().size());
    }

    @Test
    void staleDotlockIsTakenOverAndLiveOneWaitedFor() throws Exception {
        MaildirStore st = store();
        Address bob = Address.parse("bob@example.org");
        st.deliver(req(bob, null, null, message(200)));
        Path lock = st.home(bob).resolve(Uidlist.LOCK_NAME);
        Files.writeString(lock, "");
        Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 300_000));
        assertEquals(2, st.deliver(req(bob, null, null, message(200))).uid());
        assertFalse(Files.exists(lock));
        // a live lock held for a moment by "Dovecot": the delivery waits, then gets its UID
        Files.writeString(lock, "");
        List<MailStore.Result> out = new CopyOnWriteArrayList<>();
        Thread t = Thread.ofVirtual().start(() -> out.add(st.deliver(req(bob, null, null, message(200)))));
        Thread.sleep(300);
        assertTrue(out.isEmpty(), "waits for the lock");
        Files.delete(lock);
        t.join(5000);
        assertEquals(3, out.getFirst().uid());
    }

    @Test
    void uidlistParsesDovecotAndCourierFormats() throws IOException {
        Path f = data.resolve("u");
        Files.writeString(f, "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
                + "25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n"
                + "25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n");
        Uidlist.Read r = Uidlist.read(f, 0);
        assertEquals(1275660208L, r.header().uidValidity());
        assertEquals(25022L, r.header().nextUid());
        assertEquals("3085f01b7f11094c501100008c4a11c1", r.header().guid());
        assertEquals(2, r.entries().size());
        assertEquals("1276528487.M364837P9451.kurkku,S=1355,W=1394", r.entries().get(0).baseName());
        assertEquals("W2481", r.entries().get(1).extensions());
        assertEquals(25017, r.maxUid());
        Files.writeString(f, "1 1000 7\n5 1000.abc.host\n6 1001.def.host:2,S\n");
        r = Uidlist.read(f, 0);
        assertEquals(1, r.header().version());
        assertEquals("1001.def.host", r.entries().get(1).baseName());
        Files.writeString(f, "3 V1 N1\n2 :a\n1 :b\n");
        assertThrows(IOException.class, () -> Uidlist.read(f, 0));
    }
}
