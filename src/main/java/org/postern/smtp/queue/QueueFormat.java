package org.postern.smtp.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import org.postern.core.Address;
import org.postern.core.Envelope;
import org.postern.core.HeaderBlock;
import org.postern.core.Reply;

/**
 * The on-disk formats of the queue, version 1.
 *
 * <p><b>Message file</b> ({@code active/ID}, {@code deferred/ID}, {@code hold/ID}): the raw message bytes
 * exactly as received, then the envelope as UTF-8 text lines, then a fixed-size footer
 * <pre>"\nPQ1 " bodyLength(16 hex) " " envelopeLength(8 hex) " " envelopeCRC32(8 hex) " " bodyCRC32C(8 hex) " " footerCRC32(8 hex) "\n"</pre>
 * The file is written once and never changed; a file whose footer or envelope checksum does not
 * verify is corrupt. Appending the envelope after the body lets the session stream the body
 * before the envelope is final, with one file and one fsync per message.
 *
 * <p><b>State file</b> ({@code state/ID}, absent for a message never attempted): the per-recipient
 * outcome, next attempt time and flags, text lines ending with a CRC32 line; replaced atomically
 * (write {@code state/ID.tmp}, fsync, rename).
 *
 * <p>Values in both are escaped: {@code -} is null, otherwise {@code =} followed by the text with
 * bytes below 0x21, {@code %} and DEL as {@code %XX}.
 */
final class QueueFormat {
    private QueueFormat() {
    }

    static final String MAGIC = "PQ1";
    /** "\nPQ1 " + 16 + " " + 8 + " " + 8 + " " + 8 + " " + 8 + "\n". */
    static final int FOOTER_LENGTH = 1 + 4 + 16 + 1 + 8 + 1 + 8 + 1 + 8 + 1 + 8 + 1;
    private static final HexFormat HEX = HexFormat.of();

    /** A message file that failed verification. */
    static final class CorruptException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptException(String message) {
            super(message);
        }
    }

    // ---- escaping -------------------------------------------------------------------------

    static String enc(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(s.length() + 1).append('=');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == '%' || c == 0x7f) {
                sb.append('%').append(HEX.toHexDigits((byte) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String dec(String t) throws CorruptException {
        if (t.equals("-")) {
            return null;
        }
        if (t.isEmpty() || t.charAt(0) != '=') {
            throw new CorruptException("bad value: " + t);
        }
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 1; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '%') {
                if (i + 2 >= t.length()) {
                    throw new CorruptException("bad escape: " + t);
                }
                try {
                    sb.append((char) HexFormat.fromHexDigits(t, i + 1, i + 3));
                } catch (RuntimeException e) {
                    throw new CorruptException("bad escape: " + t);
                }
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---- message file -----------------------------------------------------------------------

    /**
     * Envelope version: 1 (no version line) had no header block; 2 adds {@code hdr} (the header
     * block's text) and {@code omit OFFSET LENGTH} lines. Version 1 files are read as having an empty
     * block, so a queue written before the upgrade is delivered unchanged.
     */
    static final int ENVELOPE_VERSION = 2;

    /** The envelope text (without footer). */
    static byte[] envelopeBytes(String id, Envelope e, String messageId) {
        return envelopeBytes(id, e, messageId, HeaderBlock.EMPTY);
    }

    static byte[] envelopeBytes(String id, Envelope e, String messageId, HeaderBlock block) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("version ").append(ENVELOPE_VERSION).append('\n');
        sb.append("id ").append(enc(id)).append('\n');
        sb.append("arrival ").append(e.arrival().toEpochMilli()).append('\n');
        sb.append("sender ").append(enc(e.sender() == null ? null : e.sender().toString())).append('\n');
        sb.append("ret ").append(enc(e.dsnRet())).append('\n');
        sb.append("envid ").append(enc(e.dsnEnvid())).append('\n');
        sb.append("body ").append(enc(e.bodyType())).append('\n');
        sb.append("utf8 ").append(e.smtputf8() ? 1 : 0).append('\n');
        sb.append("hold ").append(e.hold() ? 1 : 0).append('\n');
        Envelope.Client c = e.client();
        if (c != null) {
            sb.append("client ").append(enc(c.ip() == null ? null : c.ip().getHostAddress())).append(' ')
                    .append(enc(c.hostname())).append(' ').append(enc(c.helo())).append(' ')
                    .append(enc(c.protocol())).append(' ').append(enc(c.tls())).append(' ')
                    .append(enc(c.saslUser())).append('\n');
        }
        sb.append("msgid ").append(enc(messageId)).append('\n');
        if (!block.prepend().isEmpty()) {
            sb.append("hdr ").append(enc(block.prepend())).append('\n');
        }
        for (HeaderBlock.Span s : block.omit()) {
            sb.append("omit ").append(s.offset()).append(' ').append(s.length()).append('\n');
        }
        for (Envelope.Recipient r : e.recipients()) {
            String notify = r.notifyOn().isEmpty() ? "-"
                    : String.join(",", r.notifyOn().stream().map(Enum::name).sorted().toList());
            sb.append("rcpt ").append(notify).append(' ').append(enc(r.orcpt())).append(' ')
                    .append(enc(r.address().toString())).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] footer(long bodyLength, byte[] env, int bodyCrc) {
        CRC32 crc = new CRC32();
        crc.update(env);
        HexFormat hex = HexFormat.of();
        String head = "\n" + MAGIC + " " + hex.toHexDigits(bodyLength) + " " + hex.toHexDigits(env.length) + " "
                + hex.toHexDigits((int) crc.getValue()) + " " + hex.toHexDigits(bodyCrc) + " ";
        CRC32 fc = new CRC32();
        byte[] hb = head.getBytes(StandardCharsets.US_ASCII);
        fc.update(hb);
        byte[] out = (head + hex.toHexDigits((int) fc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII);
        if (out.length != FOOTER_LENGTH) {
            throw new IllegalStateException("footer length " + out.length);
        }
        return out;
    }

    /** What a verified message file holds. */
    record Parsed(String id, Envelope envelope, String messageId, long bodyLength, int bodyCrc, HeaderBlock block) {
    }

    /** Reads and verifies the footer and envelope of a message file (the body is not read). */
    static Parsed read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < FOOTER_LENGTH) {
            throw new CorruptException("file too short (" + size + " bytes)");
        }
        ByteBuffer fb = ByteBuffer.allocate(FOOTER_LENGTH);
        readFully(ch, fb, size - FOOTER_LENGTH);
        String f = new String(fb.array(), StandardCharsets.US_ASCII);
        if (f.charAt(0) != '\n' || !f.startsWith(MAGIC + " ", 1) || f.charAt(FOOTER_LENGTH - 1) != '\n') {
            throw new CorruptException("no queue file footer");
        }
        CRC32 fc = new CRC32();
        fc.update(fb.array(), 0, FOOTER_LENGTH - 9);
        long bodyLength;
        int envLength;
        int envCrc;
        int bodyCrc;
        try {
            if ((int) fc.getValue() != (int) Long.parseLong(f.substring(FOOTER_LENGTH - 9, FOOTER_LENGTH - 1), 16)) {
                throw new CorruptException("footer checksum mismatch");
            }
            String[] p = f.substring(5, FOOTER_LENGTH - 10).split(" ");
            bodyLength = Long.parseLong(p[0], 16);
            envLength = (int) Long.parseLong(p[1], 16);
            envCrc = (int) Long.parseLong(p[2], 16);
            bodyCrc = (int) Long.parseLong(p[3], 16);
        } catch (RuntimeException e) {
            throw new CorruptException("bad footer");
        }
        if (bodyLength < 0 || envLength < 0 || bodyLength + envLength + FOOTER_LENGTH != size) {
            throw new CorruptException("lengths do not match the file size");
        }
        ByteBuffer eb = ByteBuffer.allocate(envLength);
        readFully(ch, eb, bodyLength);
        CRC32 crc = new CRC32();
        crc.update(eb.array());
        if ((int) crc.getValue() != envCrc) {
            throw new CorruptException("envelope checksum mismatch");
        }
        return parseEnvelope(new String(eb.array(), StandardCharsets.UTF_8), bodyLength, bodyCrc);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new CorruptException("unexpected end of file");
            }
        }
    }

    private static Parsed parseEnvelope(String text, long bodyLength, int bodyCrc) throws CorruptException {
        String id = null;
        Instant arrival = null;
        Address sender = null;
        String ret = null;
        String envid = null;
        String body = null;
        boolean utf8 = false;
        boolean hold = false;
        Envelope.Client client = null;
        String msgid = null;
        String hdr = "";
        List<HeaderBlock.Span> omit = new ArrayList<>();
        int version = 1;
        List<Envelope.Recipient> rcpts = new ArrayList<>();
        try {
            for (String line : text.split("\n")) {
                String[] t = line.split(" ");
                switch (t[0]) {
                    case "id" -> id = dec(t[1]);
                    case "arrival" -> arrival = Instant.ofEpochMilli(Long.parseLong(t[1]));
                    case "sender" -> {
                        String s = dec(t[1]);
                        sender = s == null ? null : Address.parse(s, true);
                    }
                    case "ret" -> ret = dec(t[1]);
                    case "envid" -> envid = dec(t[1]);
                    case "body" -> body = dec(t[1]);
                    case "utf8" -> utf8 = t[1].equals("1");
                    case "hold" -> hold = t[1].equals("1");
                    case "client" -> {
                        String ip = dec(t[1]);
                        client = new Envelope.Client(ip == null ? null : literal(ip), dec(t[2]), dec(t[3]), dec(t[4]),
                                dec(t[5]), dec(t[6]));
                    }
                    case "msgid" -> msgid = dec(t[1]);
                    case "version" -> version = Integer.parseInt(t[1]);
                    case "hdr" -> hdr = dec(t[1]);
                    case "omit" -> {
                        long off = Long.parseLong(t[1]);
                        long len = Long.parseLong(t[2]);
                        if (off + len > bodyLength) {
                            throw new CorruptException("header span beyond the message");
                        }
                        omit.add(new HeaderBlock.Span(off, len));
                    }
                    case "rcpt" -> {
                        Set<Envelope.Notify> n = EnumSet.noneOf(Envelope.Notify.class);
                        if (!t[1].equals("-")) {
                            for (String v : t[1].split(",")) {
                                n.add(Envelope.Notify.valueOf(v));
                            }
                        }
                        rcpts.add(new Envelope.Recipient(Address.parse(dec(t[3]), true), n, dec(t[2])));
                    }
                    default -> {
                        // Fields added by later versions are skipped (the footer magic carries the version).
                    }
                }
            }
        } catch (CorruptException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptException("bad envelope: " + e.getMessage());
        }
        if (id == null || arrival == null || rcpts.isEmpty()) {
            throw new CorruptException("envelope lacks id, arrival or recipients");
        }
        if (version > ENVELOPE_VERSION) {
            throw new CorruptException("envelope version " + version + " is newer than this program (" + ENVELOPE_VERSION + ")");
        }
        HeaderBlock block;
        try {
            block = new HeaderBlock(hdr, omit);
        } catch (IllegalArgumentException e) {
            throw new CorruptException("bad header block: " + e.getMessage());
        }
        return new Parsed(id, new Envelope(sender, rcpts, ret, envid, body, utf8, client, arrival, hold), msgid, bodyLength, bodyCrc,
                block);
    }

    private static InetAddress literal(String ip) throws CorruptException {
        if (!ip.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':' || c == '%')) {
            throw new CorruptException("bad client address");
        }
        try {
            return InetAddress.getByName(ip); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new CorruptException("bad client address");
        }
    }

    // ---- state file -------------------------------------------------------------------------

    static byte[] stateBytes(MessageState s) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("PQS1\n");
        sb.append("next ").append(s.nextAttempt == null ? "-" : Long.toString(s.nextAttempt.toEpochMilli())).append('\n');
        sb.append("attempts ").append(s.attempts).append('\n');
        sb.append("warned ").append(s.delayWarned ? 1 : 0).append('\n');
        for (int i = 0; i < s.rcpt.length; i++) {
            MessageState.Rcpt r = s.rcpt[i];
            sb.append("r ").append(i).append(' ').append(r.persisted().code).append(' ')
                    .append(enc(r.reply == null ? null : r.reply.oneLine())).append(' ').append(enc(r.detail)).append('\n');
        }
        CRC32 crc = new CRC32();
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        crc.update(b);
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 16);
        out.writeBytes(b);
        out.writeBytes(String.format(Locale.ROOT, "crc %08x\n", (int) crc.getValue()).getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static MessageState parseState(byte[] b, int recipients) throws CorruptException {
        String text = new String(b, StandardCharsets.UTF_8);
        int crcAt = text.lastIndexOf("crc ");
        if (!text.startsWith("PQS1\n") || crcAt < 0 || !text.endsWith("\n")) {
            throw new CorruptException("bad state file");
        }
        CRC32 crc = new CRC32();
        byte[] head = text.substring(0, crcAt).getBytes(StandardCharsets.UTF_8);
        crc.update(head);
        try {
            if ((int) crc.getValue() != (int) Long.parseLong(text.substring(crcAt + 4, text.length() - 1), 16)) {
                throw new CorruptException("state checksum mismatch");
            }
            MessageState s = new MessageState(recipients);
            for (String line : text.substring(5, crcAt).split("\n")) {
                String[] t = line.split(" ");
                switch (t[0]) {
                    case "next" -> s.nextAttempt = t[1].equals("-") ? null : Instant.ofEpochMilli(Long.parseLong(t[1]));
                    case "attempts" -> s.attempts = Integer.parseInt(t[1]);
                    case "warned" -> s.delayWarned = t[1].equals("1");
                    case "r" -> {
                        int i = Integer.parseInt(t[1]);
                        MessageState.Rcpt r = s.rcpt[i];
                        r.status = MessageState.Status.of(t[2]);
                        String reply = dec(t[3]);
                        r.reply = reply == null ? null : Reply.parseActionText(reply);
                        r.detail = dec(t[4]);
                    }
                    default -> {
                        // unknown fields of later versions are skipped
                    }
                }
            }
            return s;
        } catch (CorruptException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptException("bad state file: " + e);
        }
    }
}
