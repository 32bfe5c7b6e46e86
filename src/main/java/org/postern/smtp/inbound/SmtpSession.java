package org.postern.smtp.inbound;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.postern.codec.smtp.DataDecoder;
import org.postern.codec.smtp.MailFrom;
import org.postern.codec.smtp.RcptTo;
import org.postern.codec.smtp.ReplyEncoder;
import org.postern.codec.smtp.SmtpArguments;
import org.postern.codec.smtp.SmtpCommand.Verb;
import org.postern.codec.smtp.SmtpCommand;
import org.postern.codec.smtp.SmtpSyntaxException;
import org.postern.core.Envelope;
import org.postern.core.MessageSource;
import org.postern.core.IpText;
import org.postern.core.Reply;
import org.postern.core.Texts;
import org.postern.net.CloseCause;
import org.postern.net.Connection;
import org.postern.net.LineReader;
import org.postern.net.tls.TlsContext;
import org.postern.core.HeaderBlock;
import org.postern.pipeline.HeaderField;
import org.postern.pipeline.Pipeline;
import org.postern.pipeline.SessionInfo;
import org.postern.pipeline.Verdict;
import org.slf4j.Logger;

/**
 * One SMTP or LMTP conversation (DESIGN §4.5): an explicit input {@link Mode}, one handler per
 * command with guard clauses first, and a plain blocking read loop on the connection's virtual thread.
 */
final class SmtpSession {

    /** What the next input is. */
    sealed interface Mode permits Command, Data, Bdat, Done {
    }

    /** Reading command lines. */
    record Command() implements Mode {
    }

    /** Reading DATA content up to CRLF.CRLF. */
    record Data() implements Mode {
    }

    /** Reading a BDAT chunk of {@code size} bytes; {@code error} is the reply when the chunk is to be discarded. */
    record Bdat(long size, boolean last, Reply error) implements Mode {
    }

    /** The conversation is over. */
    record Done(CloseCause cause) implements Mode {
    }

    private static final Mode COMMAND = new Command();

    /** One mail transaction, from MAIL to the end of data or RSET. */
    private static final class Transaction {
        final MailFrom mail;
        final List<Envelope.Recipient> recipients = new ArrayList<>();
        final String instance = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
        MessageReceiver.Spool spool;
        HeaderSizeCounter content; // the client's part of the message, after our trace headers
        long traceBytes;       // our PREPEND and Received lines in front of the client's content
        boolean chunking;      // BDAT used
        boolean headerWritten; // prepend + Received written
        long bdatSize;
        boolean bdatFailed;
        int rejectedRcpts;

        Transaction(MailFrom mail) {
            this.mail = mail;
        }
    }

    private final SmtpServerConfig cfg;
    private final Connection conn;
    private final Pipeline pipeline;
    private Pipeline.Run run;
    private final MessageReceiver receiver;
    private final Logger log;
    private final ClientName name;

    private Mode mode = COMMAND;
    private String helo;
    private boolean esmtp;
    private Transaction tx;
    private int errors;
    private int messages;
    private boolean unauthPipelining;
    private String lastCommand = "CONNECT";
    private Reply connectReject;
    /** Disconnect summary: command name -> {ok, total}, in Postfix's order. */
    private final Map<String, int[]> counts = new LinkedHashMap<>();

    private final ClientRates rates;

    SmtpSession(SmtpServerConfig cfg, Connection conn, Pipeline pipeline, MessageReceiver receiver, ClientName name, Logger log,
                ClientRates rates) {
        this.rates = rates;
        this.cfg = cfg;
        this.conn = conn;
        this.pipeline = pipeline;
        this.receiver = receiver;
        this.name = name;
        this.log = log;
        for (String k : new String[] {"helo", "ehlo", "lhlo", "starttls", "auth", "mail", "rcpt", "data", "bdat", "rset",
                "noop", "vrfy", "etrn", "quit", "unknown"}) {
            counts.put(k, new int[2]);
        }
    }

    // ---------------------------------------------------------------- the loop

    CloseCause run() throws IOException {
        try {
            conn.setTimeout(cfg.timeout());
            log.info("connect from {}", client());
            run = pipeline.begin(new Info());
            greet();
            while (!(mode instanceof Done)) {
                mode = switch (mode) {
                    case Command c -> command();
                    case Data d -> data();
                    case Bdat b -> bdat(b);
                    case Done d -> d;
                };
            }
            return ((Done) mode).cause();
        } catch (IOException e) {
            return ended(e);
        } finally {
            abortTransaction();
            if (run != null) {
                run.close();
            }
            log.info("disconnect from {}{}", client(), summary());
        }
    }

    /** How the session ended on an I/O exception, logged as Postfix logs it. */
    private CloseCause ended(IOException e) {
        if (conn.stopping() && !conn.isClosed()) {
            // The server is stopping (Listener.stop ended our input): RFC 5321 §3.8, a 421 before closing.
            sendQuietly(Reply.of(421, "4.3.2", cfg.myhostname() + " Service shutting down, closing transmission channel"));
            return CloseCause.SHUTDOWN;
        }
        if (e instanceof SocketTimeoutException) {
            log.info("timeout after {} from {}", lastCommand, client());
            sendQuietly(Reply.of(421, "4.4.2", cfg.myhostname() + " Error: timeout exceeded"));
            return CloseCause.TIMEOUT;
        }
        if (e instanceof SSLException) {
            log.info("lost connection after {} from {}: TLS: {}", lastCommand, client(), Texts.safe(e.getMessage(), 200));
            return CloseCause.TLS_FAILURE;
        }
        if (e instanceof EOFException) {
            log.info("lost connection after {} from {}", lastCommand, client());
            return CloseCause.EOF;
        }
        if (conn.isClosed()) {
            return CloseCause.SHUTDOWN;
        }
        log.info("lost connection after {} from {}", lastCommand, client());
        return CloseCause.IO_ERROR;
    }

    private void greet() throws IOException {
        connectReject = refusal(run.connect(), "CONNECT", null);
        send(new Reply(220, null, List.of(cfg.banner())));
        conn.flush();
    }

    private Mode command() throws IOException {
        LineReader r = conn.reader();
        if (!hasCompleteLine(r)) {
            conn.flush(); // RFC 2920: replies may be held back only while more commands are waiting
        }
        LineReader.Line line = r.readLine(cfg.lineLengthLimit());
        if (line == null || line.ending() == LineReader.Ending.EOF) {
            throw new EOFException();
        }
        if (line.tooLong()) {
            count("unknown", false);
            return error(Reply.of(500, "5.5.2", "Error: line too long"));
        }
        if (line.ending() == LineReader.Ending.BARE_LF && cfg.bareNewline() == DataDecoder.BareNewline.REJECT) {
            log.info("disconnect: bare <LF> received from {} after {}", client(), lastCommand);
            send(Reply.of(521, "5.5.2", cfg.myhostname() + " Error: bare <LF> received"));
            return new Done(CloseCause.PROTOCOL);
        }
        String text;
        try {
            text = line.utf8();
        } catch (CharacterCodingException e) {
            count("unknown", false);
            return error(Reply.of(500, "5.5.2", "Error: bad UTF-8 syntax"));
        }
        if (line.bareCr() || hasControl(text)) {
            count("unknown", false);
            return error(Reply.of(500, "5.5.2", "Error: bad syntax"));
        }
        SmtpCommand cmd = SmtpCommand.parse(text);
        if (!cmd.known() || !allowedInDialect(cmd.verb())) {
            lastCommand = "UNKNOWN";
            count("unknown", false);
            log.debug("unknown command from {}: {}", client(), Texts.safe(cmd.verbText(), 16));
            return error(Reply.of(502, "5.5.2", "Error: command not recognized"));
        }
        Verb v = cmd.verb();
        lastCommand = v.name();
        if (checkPipelining(v) && cfg.forbidUnauthPipelining()) {
            count(v.logName(), false);
            send(Reply.of(554, "5.5.0", "Error: SMTP protocol synchronization"));
            return new Done(CloseCause.PROTOCOL);
        }
        if (connectReject != null && v != Verb.QUIT && v != Verb.NOOP && v != Verb.RSET) {
            count(v.logName(), false);
            return error(connectReject);
        }
        return switch (v) {
            case HELO, EHLO, LHLO -> hello(cmd);
            case MAIL -> mail(cmd);
            case RCPT -> rcpt(cmd);
            case DATA -> dataCommand(cmd);
            case BDAT -> bdatCommand(cmd);
            case RSET -> rset(cmd);
            case NOOP -> noop();
            case QUIT -> quit();
            case HELP -> help();
            case VRFY -> vrfy(cmd);
            case STARTTLS -> startTls(cmd);
            case AUTH -> {
                count("auth", false);
                yield error(Reply.of(503, "5.5.1", "Error: authentication not enabled"));
            }
            case EXPN, ETRN -> {
                count("unknown", false);
                yield error(Reply.of(502, "5.5.2", "Error: command not recognized"));
            }
        };
    }

    private boolean allowedInDialect(Verb v) {
        if (cfg.lmtp()) {
            return v != Verb.HELO && v != Verb.EHLO && v != Verb.STARTTLS;
        }
        return v != Verb.LHLO;
    }

    private static boolean hasCompleteLine(LineReader r) {
        byte[] b = r.buffer();
        int end = r.position() + r.buffered();
        for (int i = r.position(); i < end; i++) {
            if (b[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 32 && c != '\t') || c == 127) {
                return true;
            }
        }
        return false;
    }

    /**
     * RFC 2920 §3.1: EHLO, DATA, VRFY, EXPN, TURN, QUIT and NOOP end a command group (also STARTTLS,
     * RFC 3207 §4.2, and HELO); and a client that did not see our PIPELINING keyword (no EHLO) must
     * not pipeline at all. Input already waiting at such a point is improper pipelining
     * (Postfix's reject_unauth_pipelining flag); with smtpd_forbid_unauth_pipelining the client is
     * disconnected at once, otherwise the policy decides. Returns true when this command revealed it.
     */
    private boolean checkPipelining(Verb v) {
        if (unauthPipelining || conn.reader().buffered() == 0) {
            return false;
        }
        boolean last = switch (v) {
            case EHLO, HELO, LHLO, DATA, VRFY, EXPN, NOOP, STARTTLS, QUIT -> true;
            default -> false;
        };
        if (last || !esmtp) {
            unauthPipelining = true;
            // as UTF-8 text (an SMTPUTF8 address reads as itself); any other byte is logged as '?'
            String ahead = new String(conn.reader().peek(100), StandardCharsets.UTF_8).replace('\uFFFD', '?');
            log.info("improper command pipelining after {} from {}: {}", v.name(), client(), Texts.safe(ahead, 100));
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- commands

    private Mode hello(SmtpCommand cmd) throws IOException {
        String verb = cmd.verb().logName();
        if (!cmd.hasArgument()) {
            count(verb, false);
            return error(Reply.of(501, "5.5.4", "Syntax: " + cmd.verb().name() + " hostname"));
        }
        String arg = cmd.argument();
        if (!validHelo(arg)) {
            count(verb, false);
            return error(Reply.of(501, "5.5.2", "<" + Texts.safe(arg, 100) + ">: Helo command rejected: Invalid name"));
        }
        abortTransaction(); // RFC 5321 §4.1.4: EHLO/HELO reset the transaction
        String previous = helo;
        boolean previousEsmtp = esmtp;
        helo = arg;
        esmtp = cmd.verb() != Verb.HELO;
        Reply no = refusal(run.helo(arg), "HELO", null);
        if (no != null) {
            helo = previous;
            esmtp = previousEsmtp;
            count(verb, false);
            return error(no);
        }
        count(verb, true);
        if (cmd.verb() == Verb.HELO) {
            return reply(new Reply(250, null, List.of(cfg.myhostname())));
        }
        List<String> lines = new ArrayList<>();
        lines.add(cfg.myhostname());
        lines.add("PIPELINING");
        lines.add("SIZE " + cfg.messageSizeLimit());
        if (!cfg.disableVrfy()) {
            lines.add("VRFY");
        }
        if (offerStartTls()) {
            lines.add("STARTTLS");
        }
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("8BITMIME");
        lines.add("DSN");
        if (cfg.smtputf8()) {
            lines.add("SMTPUTF8");
        }
        lines.add("CHUNKING");
        return reply(new Reply(250, null, lines));
    }

    /** A HELO name we are willing to put into a log line and a header: printable ASCII, one word, bounded. */
    static boolean validHelo(String s) {
        if (s.isEmpty() || s.length() > 255) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c > '~' || c == '(' || c == ')' || c == '<' || c == '>' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private boolean offerStartTls() {
        return cfg.tlsLevel() != SmtpServerConfig.TlsLevel.NONE && conn.canStartTls();
    }

    private Mode mail(SmtpCommand cmd) throws IOException {
        if (cfg.heloRequired() && helo == null) {
            count("mail", false);
            return error(Reply.of(503, "5.5.1", cfg.lmtp() ? "Error: send LHLO first" : "Error: send HELO/EHLO first"));
        }
        if (cfg.tlsLevel() == SmtpServerConfig.TlsLevel.ENCRYPT && !conn.isTls()) {
            count("mail", false);
            return error(Reply.of(530, "5.7.0", "Must issue a STARTTLS command first"));
        }
        if (tx != null) {
            count("mail", false);
            return error(Reply.of(503, "5.5.1", "Error: nested MAIL command"));
        }
        if (cfg.messageLimit() > 0 && messages >= cfg.messageLimit()) {
            count("mail", false);
            log.info("too many messages after {} from {}", lastCommand, client());
            send(Reply.of(421, "4.7.0", cfg.myhostname() + " Error: too many messages in one connection"));
            return new Done(CloseCause.PROTOCOL);
        }
        int mailRate = rates.message(conn.remoteAddress());
        if (mailRate > 0) {
            // Postfix's smtpd_client_message_rate_limit: a temporary refusal, the client may come back later
            log.warn("Message delivery request rate limit exceeded: {} from {} for service {}", mailRate, client(), cfg.listener());
            count("mail", false);
            return error(Reply.of(450, "4.7.1", "Error: too much mail from " + IpText.of(conn.remoteAddress())));
        }
        MailFrom m;
        try {
            m = SmtpArguments.parseMail(cmd.argument(), cfg.smtputf8());
        } catch (SmtpSyntaxException e) {
            count("mail", false);
            return error(e.reply());
        }
        if (m.smtputf8() && !cfg.smtputf8()) {
            count("mail", false);
            return error(Reply.of(555, "5.5.4", "Unsupported option: SMTPUTF8"));
        }
        if (m.auth() != null) {
            count("mail", false);
            return error(Reply.of(555, "5.5.4", "Unsupported option: AUTH"));
        }
        if (m.size() != null && m.size() > cfg.messageSizeLimit()) {
            count("mail", false);
            return error(Reply.of(552, "5.3.4", "Message size exceeds fixed limit"));
        }
        tx = new Transaction(m);
        Reply no = refusal(run.mail(m), "MAIL", null);
        if (no != null) {
            abortTransaction();
            count("mail", false);
            return error(no);
        }
        count("mail", true);
        return reply(Reply.of(250, "2.1.0", "Ok"));
    }

    private Mode rcpt(SmtpCommand cmd) throws IOException {
        if (tx == null) {
            count("rcpt", false);
            return error(Reply.of(503, "5.5.1", "Error: need MAIL command"));
        }
        if (tx.recipients.size() >= cfg.recipientLimit()) {
            count("rcpt", false);
            return error(Reply.of(452, "4.5.3", "Error: too many recipients"));
        }
        int rcptRate = rates.recipient(conn.remoteAddress());
        if (rcptRate > 0) {
            // Postfix's smtpd_client_recipient_rate_limit
            log.warn("Recipient address rate limit exceeded: {} from {} for service {}", rcptRate, client(), cfg.listener());
            count("rcpt", false);
            return error(Reply.of(450, "4.7.1", "Error: too many recipients from " + IpText.of(conn.remoteAddress())));
        }
        RcptTo r;
        try {
            r = SmtpArguments.parseRcpt(cmd.argument(), tx.mail.smtputf8(), cfg.myorigin());
        } catch (SmtpSyntaxException e) {
            count("rcpt", false);
            return error(e.reply());
        }
        Reply no = refusal(run.rcpt(r), "RCPT", r.recipient().toString());
        if (no != null) {
            tx.rejectedRcpts++;
            count("rcpt", false);
            return error(no);
        }
        if (tx.spool == null) {
            try {
                tx.spool = receiver.begin();
            } catch (IOException e) {
                log.warn("queue file write error for {}: {}", client(), e.toString());
                count("rcpt", false);
                return error(Reply.of(451, "4.3.0", "Error: queue file write error"));
            }
            log.info("{}: client={}", tx.spool.id(), client());
        }
        tx.recipients.add(new Envelope.Recipient(r.recipient(), r.notifyOn(), r.orcpt()));
        count("rcpt", true);
        return reply(Reply.of(250, "2.1.5", "Ok"));
    }

    private Mode dataCommand(SmtpCommand cmd) throws IOException {
        if (cmd.hasArgument()) {
            count("data", false);
            return error(Reply.of(501, "5.5.4", "Syntax: DATA"));
        }
        Reply guard = transactionGuard();
        if (guard != null) {
            count("data", false);
            return error(guard);
        }
        if (tx.chunking) {
            count("data", false);
            return error(Reply.of(503, "5.5.1", "Error: DATA and BDAT cannot be mixed in one transaction"));
        }
        if ("BINARYMIME".equals(tx.mail.body())) {
            count("data", false);
            return error(Reply.of(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT"));
        }
        Reply no = refusal(run.data(), "DATA", null);
        if (no != null) {
            count("data", false);
            return error(no);
        }
        Reply failed = startBody();
        if (failed != null) {
            count("data", false);
            return error(failed);
        }
        send(Reply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
        conn.flush();
        return new Data();
    }

    /** Common DATA/BDAT preconditions. */
    private Reply transactionGuard() {
        if (tx == null) {
            return Reply.of(503, "5.5.1", "Error: need MAIL command");
        }
        if (tx.recipients.isEmpty()) {
            return tx.rejectedRcpts > 0 ? Reply.of(554, "5.5.1", "Error: no valid recipients")
                    : Reply.of(503, "5.5.1", "Error: need RCPT command");
        }
        return null;
    }

    private Mode data() throws IOException {
        Transaction t = tx;
        lastCommand = "DATA";
        DataDecoder dec = new DataDecoder(t.content, cfg.messageSizeLimit(), cfg.bareNewline());
        LineReader r = conn.reader();
        boolean writeFailed = false;
        while (!dec.done()) {
            int n = fillFlushing(r);
            if (n < 0) {
                log.info("lost connection after DATA ({} bytes) from {}", dec.size(), client());
                throw new EOFException();
            }
            try {
                r.consume(dec.feed(r.buffer(), r.position(), n));
            } catch (IOException e) {
                if (!writeFailed) {
                    log.warn("{}: queue file write error: {}", t.spool.id(), e.toString());
                }
                writeFailed = true;
                // keep reading to the end of data so the dialogue stays in step
                dec = new DataDecoder(OutputStream.nullOutputStream(), cfg.messageSizeLimit(), cfg.bareNewline());
            }
        }
        lastCommand = "END-OF-MESSAGE";
        Reply failed = null;
        if (writeFailed) {
            failed = Reply.of(451, "4.3.0", "Error: queue file write error");
        } else if ((dec.sawBareLf() || dec.sawBareCr()) && cfg.bareNewline() == DataDecoder.BareNewline.REJECT) {
            failed = Reply.of(550, "5.5.2", "Error: bare " + (dec.sawBareLf() ? "<LF>" : "<CR>") + " received");
        } else if (dec.overLimit()) {
            failed = Reply.of(552, "5.3.4", "Error: message file too big");
        } else if (t.content.headerBytes() > cfg.headerSizeLimit()) {
            failed = Reply.of(552, "5.3.4", "Error: message header size exceeds limit");
        }
        if (failed != null) {
            count("data", false);
            return endMessage(failed);
        }
        return finishMessage("data");
    }

    /** Reads more input, flushing pending replies first when nothing is buffered. */
    private int fillFlushing(LineReader r) throws IOException {
        if (r.buffered() == 0) {
            conn.flush();
        }
        return r.fill();
    }

    private Mode bdatCommand(SmtpCommand cmd) throws IOException {
        String[] a = cmd.argument().split(" ", -1);
        long size;
        boolean last;
        try {
            if (a.length < 1 || a.length > 2 || a[0].isEmpty() || a[0].length() > 18 || !a[0].chars().allMatch(Character::isDigit)
                    || (a.length == 2 && !a[1].equalsIgnoreCase("LAST"))) {
                throw new NumberFormatException();
            }
            size = Long.parseLong(a[0]);
            last = a.length == 2;
        } catch (NumberFormatException e) {
            count("bdat", false);
            // the chunk length is unknown: we cannot find the next command, so end the session
            send(Reply.of(501, "5.5.4", "Syntax: BDAT count [LAST]"));
            return new Done(CloseCause.PROTOCOL);
        }
        Reply guard = transactionGuard();
        if (guard == null && tx.bdatFailed) {
            guard = Reply.of(503, "5.5.1", "Error: this message was already refused; send RSET");
        }
        if (guard == null && !tx.chunking && tx.headerWritten) {
            guard = Reply.of(503, "5.5.1", "Error: DATA and BDAT cannot be mixed in one transaction");
        }
        if (guard == null && !tx.chunking) {
            guard = refusal(run.data(), "BDAT", null);
            if (guard == null) {
                tx.chunking = true;
                guard = startBody();
                if (guard != null) {
                    tx.bdatFailed = true;
                }
            }
        }
        return new Bdat(size, last, guard);
    }

    private Mode bdat(Bdat b) throws IOException {
        LineReader r = conn.reader();
        long left = b.size();
        Transaction t = tx;
        boolean write = b.error() == null;
        OutputStream out = write ? t.content : OutputStream.nullOutputStream();
        long room = write ? Math.max(0, cfg.messageSizeLimit() - t.bdatSize) : 0;
        boolean writeFailed = false;
        while (left > 0) {
            int n = fillFlushing(r);
            if (n < 0) {
                log.info("lost connection after BDAT ({} bytes) from {}", b.size() - left, client());
                throw new EOFException();
            }
            int k = (int) Math.min(n, left);
            int w = (int) Math.min(k, room);
            if (w > 0 && !writeFailed) {
                try {
                    out.write(r.buffer(), r.position(), w);
                } catch (IOException e) {
                    log.warn("{}: queue file write error: {}", t.spool.id(), e.toString());
                    writeFailed = true;
                }
                room -= w;
            }
            r.consume(k);
            left -= k;
        }
        lastCommand = "BDAT";
        if (!write) {
            count("bdat", false);
            return error(b.error());
        }
        t.bdatSize += b.size();
        if (writeFailed || t.bdatSize > cfg.messageSizeLimit()) {
            // RFC 3030 §4.2: after a failed chunk the transaction is over; the client sends RSET
            Reply fail = writeFailed ? Reply.of(451, "4.3.0", "Error: queue file write error")
                    : Reply.of(552, "5.3.4", "Error: message file too big");
            t.bdatFailed = true; // the spool is discarded at RSET / the next MAIL attempt / disconnect
            count("bdat", false);
            return error(fail);
        }
        if (b.last() && t.content.headerBytes() > cfg.headerSizeLimit()) {
            count("bdat", false);
            return endMessage(Reply.of(552, "5.3.4", "Error: message header size exceeds limit"));
        }
        if (!b.last()) {
            count("bdat", true);
            return reply(Reply.of(250, "2.0.0", "Ok: " + b.size() + " bytes"));
        }
        lastCommand = "END-OF-MESSAGE";
        return finishMessage("bdat");
    }

    /** Policy END_OF_DATA, then commit/deliver and reply (one reply, or one per recipient for LMTP). */
    private Mode finishMessage(String verb) throws IOException {
        Transaction t = tx;
        HeaderBlock block;
        Pipeline.Outcome o;
        try {
            MessageSource spooled = t.spool.source();
            o = run.body(spooled);
            block = o.refused() ? HeaderBlock.EMPTY : headerBlock(spooled);
        } catch (IOException e) {
            log.warn("{}: queue file read error: {}", t.spool.id(), e.toString());
            count(verb, false);
            return endMessage(Reply.of(451, "4.3.0", "Error: queue file write error"));
        }
        Reply no = refusal(o, "END-OF-MESSAGE", null);
        if (no != null) {
            count(verb, false);
            return endMessage(no);
        }
        boolean hold = o.action() == Verdict.Action.HOLD;
        if (o.action() == Verdict.Action.QUARANTINE) {
            // There is no quarantine store yet: the queue's hold queue keeps the message until an
            // administrator releases (postern queue release) or deletes it.
            log.info("{}: hold: END-OF-MESSAGE from {}: quarantined by {}; from=<{}> proto={} helo=<{}>", t.spool.id(), client(),
                    Texts.safe(o.decidedBy(), 200), Texts.safe(t.mail.senderText(), 320), protocol(), helo == null ? "" : helo);
            hold = true;
        }
        if (o.action() == Verdict.Action.DISCARD) {
            log.info("{}: discard: END-OF-MESSAGE from {}: {}; check={}", t.spool.id(), client(), "message discarded by policy",
                    Texts.safe(o.decidedBy(), 200));
            String id = t.spool.id();
            int replies = cfg.lmtp() ? t.recipients.size() : 1;
            abortTransaction();
            count(verb, true);
            for (int i = 1; i < replies; i++) {
                send(Reply.of(250, "2.0.0", "Ok: queued as " + id));
            }
            return reply(Reply.of(250, "2.0.0", "Ok: queued as " + id));
        }
        Envelope env = new Envelope(t.mail.sender(), t.recipients, t.mail.ret(), t.mail.envid(),
                t.mail.body() == null ? "7BIT" : t.mail.body(), t.mail.smtputf8(), envelopeClient(), Instant.now(), hold);
        List<Reply> replies;
        try {
            replies = t.spool.finish(env, block);
        } catch (IOException e) {
            log.warn("{}: queue file write error: {}", t.spool.id(), e.toString());
            count(verb, false);
            return endMessage(Reply.of(451, "4.3.0", "Error: queue file write error"));
        } finally {
            abortTransaction();
        }
        count(verb, true);
        messages++;
        // The error limits count errors made "without delivering mail" (Postfix's
        // smtpd_soft/hard_error_limit): a client whose message was accepted starts afresh.
        errors = 0;
        for (int i = 0; i < replies.size() - 1; i++) {
            send(replies.get(i));
        }
        return reply(replies.getLast());
    }

    /** Ends a transaction with an error reply (message not accepted). */
    private Mode endMessage(Reply r) throws IOException {
        int replies = 1;
        if (tx != null && tx.spool != null) {
            log.info("{}: reject: END-OF-MESSAGE from {}: {}; from=<{}> proto={} helo=<{}>", tx.spool.id(), client(),
                    r.oneLine(), tx.mail.senderText(), protocol(), helo == null ? "" : helo);
            if (cfg.lmtp()) {
                replies = tx.recipients.size(); // RFC 2033 §4.2: one reply per accepted recipient
            }
        }
        abortTransaction();
        for (int i = 1; i < replies; i++) {
            send(r);
        }
        return error(r);
    }

    private void writeTraceHeaders() throws IOException {
        Transaction t = tx;
        StringBuilder sb = new StringBuilder();
        for (HeaderField h : run.takePrepend()) {
            sb.append(h.text());
        }
        String tls = conn.isTls() && cfg.tlsReceivedHeader() ? TlsContext.describe(conn.tlsSession()) : null;
        sb.append(ReceivedHeader.build(helo, name.verified(), conn.remoteAddress(), tls, cfg.myhostname(), protocol(),
                t.spool.id(), t.recipients.size() == 1 ? t.recipients.getFirst().address().toString() : null,
                ZonedDateTime.now()));
        byte[] trace = sb.toString().getBytes(StandardCharsets.UTF_8);
        t.spool.body().write(trace);
        t.traceBytes = trace.length;
        t.content = new HeaderSizeCounter(t.spool.body());
        t.headerWritten = true;
    }

    private Mode rset(SmtpCommand cmd) throws IOException {
        if (cmd.hasArgument()) {
            count("rset", false);
            return error(Reply.of(501, "5.5.4", "Syntax: RSET"));
        }
        abortTransaction();
        count("rset", true);
        return reply(Reply.of(250, "2.0.0", "Ok"));
    }

    private Mode noop() throws IOException {
        count("noop", true);
        return reply(Reply.of(250, "2.0.0", "Ok"));
    }

    private Mode quit() throws IOException {
        count("quit", true);
        send(Reply.of(221, "2.0.0", "Bye"));
        conn.flush();
        return new Done(CloseCause.CLIENT_QUIT);
    }

    private Mode help() throws IOException {
        return reply(Reply.of(214, "2.0.0", "Commands: " + (cfg.lmtp() ? "LHLO" : "HELO EHLO")
                + " MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY" + (offerStartTls() ? " STARTTLS" : "")));
    }

    private Mode vrfy(SmtpCommand cmd) throws IOException {
        if (cfg.disableVrfy()) {
            count("vrfy", false);
            return error(Reply.of(502, "5.5.1", "VRFY command is disabled"));
        }
        if (!cmd.hasArgument()) {
            count("vrfy", false);
            return error(Reply.of(501, "5.5.4", "Syntax: VRFY address"));
        }
        // RFC 5321 §3.5.3: 252 without revealing whether the mailbox exists
        count("vrfy", true);
        return reply(Reply.of(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
    }

    private Mode startTls(SmtpCommand cmd) throws IOException {
        if (cmd.hasArgument()) {
            count("starttls", false);
            return error(Reply.of(501, "5.5.4", "Syntax: STARTTLS"));
        }
        if (conn.isTls()) {
            count("starttls", false);
            return error(Reply.of(554, "5.5.1", "Error: TLS already active"));
        }
        if (!offerStartTls()) {
            // STARTTLS is not in the EHLO list: TLS is off here (smtpd_tls_security_level = none, or
            // no certificate on this listener, or LMTP). Postfix answers 502 5.5.1 too; the text says why.
            count("starttls", false);
            return error(Reply.of(502, "5.5.1", "Error: STARTTLS not offered: "
                    + (cfg.tlsLevel() == SmtpServerConfig.TlsLevel.NONE ? "TLS is turned off on this service"
                            : "no TLS certificate is configured for this listener")));
        }
        send(Reply.of(220, "2.0.0", "Ready to start TLS"));
        conn.flush();
        int discarded = conn.startTls();
        if (discarded > 0) {
            log.info("{} bytes of plaintext pipelined after STARTTLS from {} discarded", discarded, client());
        }
        count("starttls", true);
        log.info("Anonymous TLS connection established from {}: {}", client(), TlsContext.describe(conn.tlsSession()));
        // RFC 3207 §4.2: forget everything learnt before TLS; the client must EHLO again
        abortTransaction();
        helo = null;
        esmtp = false;
        return COMMAND;
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A stage's outcome as the client's answer: null when the command may proceed, else the reply,
     * with the reject line logged in Postfix's shape and the deciding check named at its end.
     */
    private Reply refusal(Pipeline.Outcome o, String stage, String rcpt) {
        if (!o.refused()) {
            return null;
        }
        logReject(stage, o.reply(), rcpt, o.decidedBy());
        return o.reply();
    }

    /**
     * The header block of the message at end of data: ONE Authentication-Results and the other
     * fields checks decided, in front; incoming Authentication-Results fields that claim our
     * authserv-id (RFC 8601 §5) and fields checks asked to remove, left out.
     */
    private HeaderBlock headerBlock(MessageSource spooled) throws IOException {
        List<HeaderField> fields = run.headerBlockFields();
        List<String> removals = run.removals();
        List<HeaderBlock.Span> omit = new ArrayList<>();
        for (HeaderSpans.Field f : HeaderSpans.scan(spooled, tx.traceBytes, cfg.headerSizeLimit())) {
            if ((f.named("Authentication-Results") && pipeline.authservId().equalsIgnoreCase(HeaderSpans.authservId(f.value())))
                    || removals.contains(f.lowerName())) {
                omit.add(new HeaderBlock.Span(f.offset(), f.length()));
                log.info("{}: removed: header {} from {}: {}", tx.spool.id(), f.name(), client(),
                        removals.contains(f.lowerName()) ? "by a check" : "claims our authserv-id (RFC 8601 section 5)");
            }
        }
        if (fields.isEmpty() && omit.isEmpty()) {
            return HeaderBlock.EMPTY;
        }
        StringBuilder sb = new StringBuilder();
        for (HeaderField f : fields) {
            sb.append(f.text());
        }
        return new HeaderBlock(sb.toString(), omit);
    }

    /** Writes PREPEND headers and Received; a spool write failure becomes a 451 reply, not a lost connection. */
    private Reply startBody() {
        try {
            writeTraceHeaders();
            return null;
        } catch (IOException e) {
            log.warn("{}: queue file write error: {}", tx.spool.id(), e.toString());
            return Reply.of(451, "4.3.0", "Error: queue file write error");
        }
    }

    /** Ends the transaction (RSET, EHLO, a finished or refused message): spool discarded unless committed, check states closed. */
    private void abortTransaction() {
        if (tx == null) {
            return;
        }
        if (tx.spool != null) {
            tx.spool.close();
        }
        tx = null;
        run.endTransaction();
    }

    /** The session as checks see it: live values. */
    private final class Info implements SessionInfo {
        public String listener() {
            return cfg.listener();
        }

        public java.net.InetAddress clientIp() {
            return conn.remoteAddress();
        }

        public int clientPort() {
            return conn.remote().getPort();
        }

        public java.net.InetAddress localIp() {
            return conn.local() instanceof java.net.InetSocketAddress a ? a.getAddress() : null;
        }

        public int localPort() {
            return conn.local() instanceof java.net.InetSocketAddress a ? a.getPort() : 0;
        }

        public String clientName() {
            return name.verified();
        }

        public String reverseName() {
            return name.reverse();
        }

        public boolean clientNameTemporary() {
            return name.temporary();
        }

        public String helo() {
            return helo;
        }

        public String protocol() {
            return SmtpSession.this.protocol();
        }

        public boolean esmtp() {
            return esmtp;
        }

        public boolean tls() {
            return conn.isTls();
        }

        public String tlsProtocol() {
            return conn.isTls() ? conn.tlsSession().getProtocol() : null;
        }

        public String tlsCipher() {
            return conn.isTls() ? conn.tlsSession().getCipherSuite() : null;
        }

        public String saslMethod() {
            return null;
        }

        public String saslUser() {
            return null;
        }

        public boolean unauthPipelining() {
            return unauthPipelining;
        }

        public String queueId() {
            return tx == null || tx.spool == null ? null : tx.spool.id();
        }

        public String sender() {
            return tx == null ? null : tx.mail.senderText();
        }

        public int recipientCount() {
            return tx == null ? 0 : tx.recipients.size();
        }

        public long size() {
            return tx == null || tx.spool == null ? 0 : tx.traceBytes + (tx.content == null ? 0 : tx.content.written());
        }

        public String instance() {
            return tx == null ? null : tx.instance;
        }
    }

    /** Protocol for logs and Received: SMTP, ESMTP, ESMTPS, LMTP. */
    private String protocol() {
        if (cfg.lmtp()) {
            return "LMTP";
        }
        if (!esmtp) {
            return "SMTP";
        }
        return conn.isTls() ? "ESMTPS" : "ESMTP";
    }

    private Envelope.Client envelopeClient() {
        return new Envelope.Client(conn.remoteAddress(), name.verified(), helo, protocol(),
                conn.isTls() ? TlsContext.describe(conn.tlsSession()) : null, null);
    }

    /** Postfix's {@code host[ip]}. */
    private String client() {
        return name.verified() + "[" + IpText.of(conn.remoteAddress()) + "]";
    }

    /**
     * Exactly Postfix's shape, so fail2ban filters written for Postfix match, with the deciding check
     * (and restriction or table) added at the end, where the filters do not look.
     */
    private void logReject(String stage, Reply r, String rcpt, String decidedBy) {
        StringBuilder sb = new StringBuilder();
        sb.append(tx != null && tx.spool != null ? tx.spool.id() : "NOQUEUE").append(": reject: ").append(stage)
                .append(" from ").append(client()).append(": ").append(Texts.safe(r.oneLine(), 400)).append(';');
        if (tx != null) {
            sb.append(" from=<").append(Texts.safe(tx.mail.senderText(), 320)).append('>');
        }
        if (rcpt != null) {
            sb.append(" to=<").append(Texts.safe(rcpt, 320)).append('>');
        }
        sb.append(" proto=").append(esmtp ? (cfg.lmtp() ? "LMTP" : "ESMTP") : "SMTP");
        if (helo != null) {
            sb.append(" helo=<").append(helo).append('>');
        }
        if (decidedBy != null) {
            sb.append(" check=").append(Texts.safe(decidedBy, 200));
        }
        log.info("{}", sb);
    }

    private void count(String cmd, boolean ok) {
        // every verb the parser knows may be counted (HELP and EXPN too, when refused for pipelining
        // or a connect-time reject); the usual ones are listed first, in Postfix's order
        int[] c = counts.computeIfAbsent(cmd, k -> new int[2]);
        c[1]++;
        if (ok) {
            c[0]++;
        }
    }

    /** " ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4". */
    private String summary() {
        StringBuilder sb = new StringBuilder();
        int ok = 0;
        int total = 0;
        for (var e : counts.entrySet()) {
            int[] c = e.getValue();
            if (c[1] == 0) {
                continue;
            }
            ok += c[0];
            total += c[1];
            sb.append(' ').append(e.getKey()).append('=').append(c[0] == c[1] ? String.valueOf(c[0]) : c[0] + "/" + c[1]);
        }
        sb.append(" commands=").append(ok == total ? String.valueOf(ok) : ok + "/" + total);
        return sb.toString();
    }

    private Mode reply(Reply r) throws IOException {
        send(r);
        return COMMAND;
    }

    /** An error reply: counted; delayed past the soft limit; disconnect at the hard limit. */
    private Mode error(Reply r) throws IOException {
        errors++;
        if (errors >= cfg.hardErrorLimit()) {
            send(r);
            log.info("too many errors after {} from {}", lastCommand, client());
            send(Reply.of(421, "4.7.0", cfg.myhostname() + " Error: too many errors"));
            conn.flush();
            return new Done(CloseCause.PROTOCOL);
        }
        if (errors >= cfg.softErrorLimit() && !cfg.errorSleep().isZero()) {
            conn.flush();
            try {
                Thread.sleep(cfg.errorSleep());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        send(r);
        return COMMAND;
    }

    private void send(Reply r) throws IOException {
        conn.write(ReplyEncoder.bytes(r));
    }

    private void sendQuietly(Reply r) {
        try {
            send(r);
            conn.flush();
        } catch (IOException e) {
            // the client is gone
        }
    }
}
