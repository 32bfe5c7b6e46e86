package org.postern.smtp.delivery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;
import org.postern.core.Texts;
import org.postern.core.config.Config;
import org.postern.directory.Directory;
import org.postern.directory.Directory.DirectoryUnavailableException;
import org.postern.store.MailStore;
import org.postern.store.StoreSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Final delivery to one of our addresses, like Postfix's {@code virtual(8)} agent: the address is
 * resolved through the directory (aliases, catch-all, recipient delimiter, case) and the message
 * stored once in each resulting mailbox, however many alias paths lead there. Non-local alias
 * targets come back as {@code forwards} for the caller to queue.
 *
 * <p>One outcome per recipient: 2xx when every mailbox has the message; 4xx when any mailbox
 * failed temporarily (directory down, I/O trouble) — the caller retries, and mailboxes that
 * already have the message from an earlier attempt of the same queue id are not delivered twice;
 * otherwise 5xx (unknown user, over quota, a mail loop), which the queue bounces. Reply texts do
 * not repeat the recipient (LMTP prefixes it, the DSN names it).
 *
 * <p>Mail loops: a message that already carries {@code Delivered-To: <this mailbox>} is
 * refused with {@code 5.4.6}, as Postfix's local and virtual agents do.
 *
 * <p>Logs only at debug; the caller logs the Postfix line, e.g. with {@link #logLine}.
 */
public final class LocalDeliveryAgent implements LocalDelivery {
    private static final Logger log = LoggerFactory.getLogger("local");

    /** How much of the header we read looking for Delivered-To. */
    static final int MAX_HEADER_SCAN = 1 << 20;

    static final Reply DELIVERED = Reply.of(250, "2.0.0", "Ok: delivered to maildir");
    static final Reply USER_UNKNOWN = Reply.of(550, "5.1.1", "User unknown");
    static final Reply LOOKUP_FAILURE = Reply.of(451, "4.3.0", "Temporary lookup failure");
    static final Reply LOOP = Reply.of(554, "5.4.6", "Mail forwarding loop");
    static final Reply READ_ERROR = Reply.of(451, "4.3.0", "Error reading message file");

    private final Directory directory;
    private final MailStore store;
    private final long defaultQuota;
    /** queueId + recipient -> mailboxes that already have the message (for retries after a partial failure). */
    private final Cache<String, Set<String>> partial = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofDays(5)).build();

    public LocalDeliveryAgent(Directory directory, MailStore store) {
        this(directory, store, 0);
    }

    /** @param defaultQuotaBytes quota for mailboxes whose directory entry has none; 0 is unlimited */
    public LocalDeliveryAgent(Directory directory, MailStore store, long defaultQuotaBytes) {
        this.directory = directory;
        this.store = store;
        this.defaultQuota = defaultQuotaBytes;
    }

    /** With {@code [store] quota_default}. */
    public static LocalDeliveryAgent fromConfig(Config config, Directory directory, MailStore store) {
        return new LocalDeliveryAgent(directory, store, config.get(StoreSettings.QUOTA_DEFAULT));
    }

    @Override
    public Outcome deliver(Address recipient, Address sender, MessageSource message, String queueId) {
        Directory.Resolution res;
        try {
            res = directory.resolve(recipient);
        } catch (DirectoryUnavailableException e) {
            return new Outcome(LOOKUP_FAILURE, "temporary lookup failure: " + Texts.safe(e.getMessage(), 200), List.of());
        }
        if (!res.exists()) {
            return new Outcome(USER_UNKNOWN, "unknown user: \"" + Texts.safe(recipient.key(), 300) + "\"", List.of());
        }
        Map<String, Directory.Mailbox> mailboxes = new LinkedHashMap<>();
        for (Directory.Mailbox m : res.mailboxes()) {
            mailboxes.putIfAbsent(m.address().key(), m);
        }

        Set<String> loops;
        try {
            loops = mailboxes.isEmpty() ? Set.of() : deliveredTo(message);
        } catch (IOException e) {
            return new Outcome(READ_ERROR, "cannot read message: " + Texts.safe(e.getMessage(), 200), List.of());
        }

        String memoKey = queueId == null ? null : queueId + "\0" + recipient.key();
        Set<String> done = memoKey == null ? null : partial.getIfPresent(memoKey);
        Set<String> delivered = new HashSet<>(done == null ? Set.of() : done);
        MailStore.Result temp = null;
        MailStore.Result perm = null;
        String tempBox = null;
        String permBox = null;
        String returnPath = sender == null ? "" : sender.toString();
        for (Directory.Mailbox m : mailboxes.values()) {
            String key = m.address().key();
            if (delivered.contains(key)) {
                continue;
            }
            if (loops.contains(key)) {
                if (perm == null) {
                    perm = MailStore.Result.failed(LOOP, "mail forwarding loop for " + key);
                    permBox = key;
                }
                continue;
            }
            Long quota = m.quotaBytes() != null ? m.quotaBytes() : defaultQuota > 0 ? Long.valueOf(defaultQuota) : null;
            MailStore.Result r;
            try {
                r = store.deliver(new MailStore.Request(m.address(), quota, returnPath, m.address(), null, message));
            } catch (RuntimeException e) {
                log.debug("store failed for {}", key, e);
                r = MailStore.Result.failed(Reply.of(451, "4.3.0", "Temporary local problem - please try again later"),
                        "maildir delivery failed: " + Texts.safe(e.toString(), 200));
            }
            if (r.delivered()) {
                delivered.add(key);
                log.debug("{}: {} -> {} uid={}", queueId, recipient.key(), key, r.uid());
            } else if (r.reply().isTransient()) {
                if (temp == null) {
                    temp = r;
                    tempBox = key;
                }
            } else if (perm == null) {
                perm = r;
                permBox = key;
            }
        }

        int total = mailboxes.size();
        if (temp != null) {
            if (memoKey != null && !delivered.isEmpty()) {
                partial.put(memoKey, Set.copyOf(delivered));
            }
            return new Outcome(temp.reply(), describe(temp, tempBox, total), List.of());
        }
        if (memoKey != null) {
            partial.invalidate(memoKey);
        }
        if (perm != null) {
            return new Outcome(perm.reply(), describe(perm, permBox, total), List.of());
        }
        if (total == 0) {
            return new Outcome(Reply.of(250, "2.0.0", "Ok: forwarded"), "forwarded to " + res.forwards().size() + " address"
                    + (res.forwards().size() == 1 ? "" : "es"), res.forwards());
        }
        return new Outcome(DELIVERED, MailStore.DETAIL_DELIVERED, res.forwards());
    }

    private static String describe(MailStore.Result r, String mailbox, int total) {
        return total > 1 ? r.detail() + " (mailbox " + mailbox + ")" : r.detail();
    }

    /** Finds whether a header section has a Delivered-To field at all (the usual answer: no). */
    private static final java.util.regex.Pattern DELIVERED_TO = java.util.regex.Pattern.compile("(?i)delivered-to");

    /**
     * The addresses in the message's {@code Delivered-To} headers (lower-cased), read from the
     * header section (unfolded; at most {@link #MAX_HEADER_SCAN} bytes).
     */
    static Set<String> deliveredTo(MessageSource message) throws IOException {
        Set<String> out = new HashSet<>();
        try (InputStream in = message.open()) {
            byte[] head = readHeader(in);
            String text = new String(head, StandardCharsets.UTF_8);
            if (!DELIVERED_TO.matcher(text).find()) {
                return out; // the usual case: no Delivered-To field, nothing to unfold
            }
            String[] lines = text.split("\r?\n", -1);
            StringBuilder field = null;
            List<String> fields = new ArrayList<>();
            for (String line : lines) {
                if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                    if (field != null) {
                        field.append(' ').append(line.strip());
                    }
                    continue;
                }
                if (field != null) {
                    fields.add(field.toString());
                }
                field = line.isEmpty() ? null : new StringBuilder(line);
            }
            if (field != null) {
                fields.add(field.toString());
            }
            for (String f : fields) {
                int colon = f.indexOf(':');
                if (colon > 0 && f.substring(0, colon).strip().equalsIgnoreCase("Delivered-To")) {
                    String v = f.substring(colon + 1).strip();
                    if (v.startsWith("<") && v.endsWith(">")) {
                        v = v.substring(1, v.length() - 1);
                    }
                    int at = v.lastIndexOf('@');
                    if (at > 0) {
                        // our keys: local part lower-cased, domain in ASCII lower case
                        try {
                            out.add(Address.parse(v).key());
                        } catch (IllegalArgumentException e) {
                            out.add(v.toLowerCase(Locale.ROOT));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Bytes up to and including the empty line that ends the header (or the cap). */
    private static byte[] readHeader(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        int n = 0;
        while (n < MAX_HEADER_SCAN) {
            if (n == buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_HEADER_SCAN));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            int from = n;
            n += r;
            for (int i = from; i < n; i++) {
                // the empty line ending the header: LF LF or LF CR LF
                if (buf[i] == '\n' && i > 0 && (buf[i - 1] == '\n' || (buf[i - 1] == '\r' && i > 1 && buf[i - 2] == '\n'))) {
                    return java.util.Arrays.copyOf(buf, i + 1);
                }
            }
        }
        return java.util.Arrays.copyOf(buf, Math.min(n, MAX_HEADER_SCAN));
    }

    /**
     * The Postfix delivery log line for a recipient, for the queue and LMTP to log:
     * {@code ID: to=<u@d>, orig_to=<a@d>, relay=local, delay=0.12, dsn=2.0.0, status=sent (delivered to maildir)}.
     *
     * @param origTo the original recipient when it differs (an alias), else null
     * @param relay  "local", or e.g. "lmtp"
     */
    public static String logLine(String queueId, Address to, Address origTo, String relay, Duration delay, Outcome o) {
        StringBuilder sb = new StringBuilder();
        sb.append(queueId == null ? "NOQUEUE" : queueId).append(": to=<").append(Texts.safe(to.toString(), 300)).append('>');
        if (origTo != null && !origTo.equals(to)) {
            sb.append(", orig_to=<").append(Texts.safe(origTo.toString(), 300)).append('>');
        }
        Reply r = o.reply();
        String dsn = r.status() != null ? r.status().toString() : (r.code() / 100) + ".0.0";
        String status = r.isPositive() ? "sent" : r.isTransient() ? "deferred" : "bounced";
        sb.append(", relay=").append(relay).append(", delay=").append(formatDelay(delay))
                .append(", dsn=").append(dsn).append(", status=").append(status)
                .append(" (").append(Texts.safe(o.detail(), 400)).append(')');
        return sb.toString();
    }

    /** Postfix's delay style: two significant digits below 10 s ("0.12", "1.3"), whole seconds above. */
    static String formatDelay(Duration d) {
        double s = d.toNanos() / 1e9;
        if (s >= 10) {
            return String.valueOf(Math.round(s));
        }
        if (s < 0.01) {
            return s <= 0 ? "0" : "0.01";
        }
        java.math.BigDecimal v = new java.math.BigDecimal(s).round(new java.math.MathContext(2));
        return v.stripTrailingZeros().toPlainString();
    }
}
