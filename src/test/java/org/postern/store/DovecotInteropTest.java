package org.postern.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.testkit.DovecotPeer;
import org.postern.testkit.Peers;

/**
 * The Maildir and its {@code dovecot-uidlist} are shared with the real Dovecot, both ways:
 * what Postern delivers, Dovecot's IMAP serves with the UIDs Postern assigned (also for mail
 * delivered while Dovecot already has its indexes); what Dovecot's LMTP delivers, Postern's
 * {@link MaildirIndex} reads with Dovecot's UIDs, and Postern continues the numbering. Clients:
 * Python's imaplib and smtplib.LMTP (Debian's /usr/bin/python3).
 */
@Tag("peers")
class DovecotInteropTest {
    @TempDir
    Path data;

    static final String IMAP_LIST = """
            import imaplib, json, re, sys
            port, user, pw, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
            m = imaplib.IMAP4('127.0.0.1', port)
            m.login(user, pw)
            typ, data = m.select('"' + folder + '"')
            assert typ == 'OK', data
            uv = int(m.response('UIDVALIDITY')[1][0])
            if len(sys.argv) > 5:
                typ, _ = m.uid('STORE', sys.argv[5], '+FLAGS', '(\\\\Seen)')
                assert typ == 'OK'
            typ, data = m.uid('FETCH', '1:*', '(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
            out = []
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head = item[0].decode()
                uid = int(re.search(r'UID (\\d+)', head).group(1))
                size = int(re.search(r'RFC822\\.SIZE (\\d+)', head).group(1))
                flags = re.search(r'FLAGS \\(([^)]*)\\)', head).group(1)
                subject = item[1].decode().strip().removeprefix('Subject: ')
                out.append({'uid': uid, 'size': size, 'flags': flags, 'subject': subject})
            m.logout()
            print(json.dumps({'uidvalidity': uv, 'messages': out}))
            """;

    static final String LMTP_SEND = """
            import smtplib, sys
            s = smtplib.LMTP('127.0.0.1', int(sys.argv[1]))
            for subject in sys.argv[3:]:
                s.sendmail('sender@example.com', [sys.argv[2]], ('Subject: ' + subject + '\\r\\n\\r\\nbody of ' + subject + '\\r\\n').encode())
            s.quit()
            print('ok')
            """;

    record ImapMessage(long uid, long size, String flags, String subject) {
    }

    record ImapView(long uidValidity, List<ImapMessage> messages) {
    }

    static String python(String script, String... args) throws IOException, InterruptedException {
        Path py = Peers.require("/usr/bin/python3");
        List<String> cmd = new ArrayList<>(List.of(py.toString(), "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(Path.of("/").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }

    /** Minimal reader of the script's JSON (numbers and plain strings only). */
    static ImapView imap(DovecotPeer d, String user, String folder, String... storeSeen) throws Exception {
        List<String> args = new ArrayList<>(List.of(String.valueOf(d.imapPort()), user, "secret", folder));
        args.addAll(List.of(storeSeen));
        String json = python(IMAP_LIST, args.toArray(String[]::new));
        Matcher uv = Pattern.compile("\"uidvalidity\": (\\d+)").matcher(json);
        assertTrue(uv.find(), json);
        List<ImapMessage> ms = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"uid\": (\\d+), \"size\": (\\d+), \"flags\": \"([^\"]*)\", \"subject\": \"([^\"]*)\"}").matcher(json);
        while (m.find()) {
            ms.add(new ImapMessage(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(3).replace("\\\\", "\\"), m.group(4)));
        }
        return new ImapView(Long.parseLong(uv.group(1)), ms);
    }

    static MessageSource msg(String subject) {
        byte[] b = ("From: sender@example.com\r\nSubject: " + subject + "\r\n\r\nHello from Postern.\r\nSecond line.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        return new MessageSource() {
            public java.io.InputStream open() {
                return new java.io.ByteArrayInputStream(b);
            }

            public long size() {
                return b.length;
            }
        };
    }

    @Test
    void dovecotServesWhatPosternDelivers() throws Exception {
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        MaildirStore st = new MaildirStore(data, "mail/%d/%n", "mx.example.org");
        Address bob = Address.parse("bob@example.org");
        Map<String, Long> uidBySubject = new LinkedHashMap<>();
        for (int i = 1; i <= 5; i++) {
            MailStore.Result r = st.deliver(new MailStore.Request(bob, null, "sender@example.com", bob, null, msg("inbox " + i)));
            assertTrue(r.delivered());
            uidBySubject.put("inbox " + i, r.uid());
        }
        for (int i = 1; i <= 2; i++) {
            assertTrue(st.deliver(new MailStore.Request(bob, null, "sender@example.com", bob, "Junk", msg("junk " + i))).delivered());
        }
        long validity = Uidlist.read(st.home(bob).resolve(Uidlist.NAME), 0).header().uidValidity();
        Map<Long, Long> vsizeByUid = new LinkedHashMap<>();
        for (MaildirIndex.Message m : st.index(bob, null).sync().messages()) {
            vsizeByUid.put(m.uid(), m.vsize());
        }

        try (DovecotPeer d = DovecotPeer.start(List.of(new DovecotPeer.User("bob@example.org", "secret", st.home(bob))))) {
            d.handOver(st.mailRoot());
            ImapView v = imap(d, "bob@example.org", "INBOX");
            assertEquals(validity, v.uidValidity(), "Dovecot keeps our UIDVALIDITY");
            assertEquals(5, v.messages().size(), v.toString());
            for (ImapMessage m : v.messages()) {
                assertEquals(uidBySubject.get(m.subject()), m.uid(), "Dovecot serves " + m.subject() + " with our UID");
                assertEquals(vsizeByUid.get(m.uid()), m.size(), "RFC822.SIZE equals our W= size");
            }
            ImapView junk = imap(d, "bob@example.org", "Junk");
            assertEquals(List.of("junk 1", "junk 2"), junk.messages().stream().map(ImapMessage::subject).toList());
            assertEquals(List.of(1L, 2L), junk.messages().stream().map(ImapMessage::uid).toList());

            // Dovecot now has its own indexes (and moved the files to cur/); we keep delivering
            MailStore.Result r6 = st.deliver(new MailStore.Request(bob, null, "sender@example.com", bob, null, msg("inbox 6")));
            assertEquals(6, r6.uid());
            d.handOver(st.mailRoot());
            ImapView v2 = imap(d, "bob@example.org", "INBOX", "2");
            assertEquals(6, v2.messages().size());
            assertEquals("inbox 6", v2.messages().getLast().subject());
            assertEquals(6, v2.messages().getLast().uid());
            assertEquals(validity, v2.uidValidity());

            // and we read back what Dovecot changed: files in cur/, \Seen on UID 2 as flag S
            MaildirIndex.Snapshot s = st.index(bob, null).sync();
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), s.messages().stream().map(MaildirIndex.Message::uid).toList());
            assertTrue(s.messages().get(1).seen(), s.messages().get(1).toString());
            assertTrue(!s.messages().get(0).seen());
            assertTrue(!s.messages().get(0).inNew(), "Dovecot moved it to cur/");
            assertEquals(7, st.deliver(new MailStore.Request(bob, null, "", bob, null, msg("inbox 7"))).uid());
            d.handOver(st.mailRoot());
            assertEquals(7, imap(d, "bob@example.org", "INBOX").messages().getLast().uid());

            // flags we set and messages we expunge are what Dovecot then shows
            MaildirIndex idx = st.index(bob, null);
            List<MaildirIndex.Message> now = idx.sync().messages();
            idx.setFlags(now.get(2), now.get(2).flags() + "F");
            assertTrue(idx.expunge(now.get(3)));
            d.handOver(st.mailRoot());
            ImapView v3 = imap(d, "bob@example.org", "INBOX");
            assertEquals(List.of(1L, 2L, 3L, 5L, 6L, 7L), v3.messages().stream().map(ImapMessage::uid).toList());
            assertTrue(v3.messages().get(2).flags().contains("\\Flagged"), v3.messages().get(2).toString());
            assertTrue(!v3.messages().get(0).flags().contains("\\Flagged"));
            assertTrue(!Files.readString(d.log()).contains("Error"), Files.readString(d.log()));
        }
    }

    @Test
    void posternReadsWhatDovecotDelivers() throws Exception {
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        MaildirStore st = new MaildirStore(data, "mail/%d/%n", "mx.example.org");
        Address alice = Address.parse("alice@example.org");
        Files.createDirectories(st.mailRoot());
        try (DovecotPeer d = DovecotPeer.start(List.of(new DovecotPeer.User("alice@example.org", "secret", st.home(alice))))) {
            d.handOver(st.mailRoot());
            assertEquals("ok", python(LMTP_SEND, String.valueOf(d.lmtpPort()), "alice@example.org", "one", "two", "three"));
            ImapView v = imap(d, "alice@example.org", "INBOX", "3");
            assertEquals(3, v.messages().size());
            MaildirIndex.Snapshot s = st.index(alice, null).sync();
            assertEquals(v.uidValidity(), s.uidValidity(), "Dovecot's UIDVALIDITY");
            assertEquals(3, s.messages().size());
            for (int i = 0; i < 3; i++) {
                ImapMessage im = v.messages().get(i);
                MaildirIndex.Message pm = s.messages().get(i);
                assertEquals(im.uid(), pm.uid(), "Dovecot's UID");
                assertEquals(im.size(), pm.vsize(), "Dovecot's W= size");
                assertTrue(Files.readString(pm.path()).contains("Subject: " + im.subject()), "UID " + pm.uid() + " is " + im.subject());
            }
            assertTrue(s.messages().get(2).seen(), "\\Seen set through Dovecot");
            // Postern continues Dovecot's numbering, and Dovecot serves it
            long next = s.nextUid();
            MailStore.Result r = st.deliver(new MailStore.Request(alice, null, "x@example.com", alice, null, msg("four")));
            assertEquals(next, r.uid());
            d.handOver(st.mailRoot());
            ImapView v2 = imap(d, "alice@example.org", "INBOX");
            assertEquals(4, v2.messages().size());
            assertEquals("four", v2.messages().getLast().subject());
            assertEquals(next, v2.messages().getLast().uid());
            // a message saved by doveadm after ours gets the next UID in both views
            d.doveadm("Subject: five\n\nsaved by doveadm\n", "save", "-u", "alice@example.org");
            assertEquals(5, imap(d, "alice@example.org", "INBOX").messages().size());
            assertEquals(List.of(1L, 2L, 3L, next, next + 1),
                    st.index(alice, null).sync().messages().stream().map(MaildirIndex.Message::uid).toList());
            assertTrue(!Files.readString(d.log()).contains("Error"), Files.readString(d.log()));
        }
    }
}
