package org.postern.smtp.inbound;

import java.time.Duration;
import org.postern.codec.smtp.DataDecoder.BareNewline;
import org.postern.core.config.Config;
import org.postern.core.config.SettingException;
import org.postern.smtp.SmtpSettings;
import org.postern.smtp.policy.PolicySettings;

/**
 * What one SMTP (or LMTP) session engine needs to know, read once from the config.
 *
 * @param listener          service name in logs and policy facts ("smtp", "submission", "lmtp")
 * @param lmtp              speak LMTP (RFC 2033): LHLO, one reply per recipient after DATA
 * @param myhostname        our name in the banner, replies and Received headers
 * @param banner            the text after 220
 * @param timeout           per-command read timeout
 * @param heloRequired      HELO/EHLO before MAIL
 * @param softErrorLimit    errors before replies are delayed by {@code errorSleep}
 * @param hardErrorLimit    errors before disconnect
 * @param errorSleep        delay per error reply past the soft limit
 * @param recipientLimit    recipients per message
 * @param messageLimit      messages per connection (0: unlimited)
 * @param messageSizeLimit  bytes per message
 * @param lineLengthLimit   longest command line
 * @param headerSizeLimit   longest header section of a message
 * @param disableVrfy       VRFY answers 502
 * @param smtputf8          offer SMTPUTF8
 * @param bareNewline       bare CR/LF handling in DATA
 * @param forbidUnauthPipelining disconnect on improper pipelining (else only flag it for the policy)
 * @param tlsLevel          none, may or encrypt
 * @param tlsReceivedHeader TLS details in the Received header
 * @param peernameLookup    reverse/forward DNS of the client at connect
 * @param myorigin          the domain that qualifies a bare {@code RCPT TO:<postmaster>} (RFC 5321
 *                          §4.5.1), the queue's myorigin: by default the first domain we host
 */
public record SmtpServerConfig(String listener, boolean lmtp, String myhostname, String banner, Duration timeout,
                               boolean heloRequired, int softErrorLimit, int hardErrorLimit, Duration errorSleep,
                               int recipientLimit, int messageLimit, long messageSizeLimit, int lineLengthLimit, long headerSizeLimit, boolean disableVrfy,
                               boolean smtputf8, BareNewline bareNewline, boolean forbidUnauthPipelining, TlsLevel tlsLevel, boolean tlsReceivedHeader,
                               boolean peernameLookup, String myorigin) {

    /** smtpd_tls_security_level. */
    public enum TlsLevel { NONE, MAY, ENCRYPT }

    public SmtpServerConfig {
        if (lineLengthLimit < 512) {
            throw new SettingException(SmtpSettings.LINE_LENGTH_LIMIT, "must be at least 512 (RFC 5321 §4.5.3.1.4), got " + lineLengthLimit);
        }
        if (hardErrorLimit < 1) {
            throw new SettingException(SmtpSettings.SMTPD_HARD_ERROR_LIMIT, "must be positive, got " + hardErrorLimit);
        }
        if (recipientLimit < 1) {
            throw new SettingException(SmtpSettings.SMTPD_RECIPIENT_LIMIT, "must be positive, got " + recipientLimit);
        }
    }

    /**
     * The [smtpd] settings of one listener: pass the listener's view ({@code config.forListener(name)})
     * so its overrides apply (smtpd_helo_required is the policy's setting, read from the same view).
     */
    public static SmtpServerConfig from(Config c, String listener, String myhostname) {
        return new SmtpServerConfig(listener, false, myhostname,
                c.get(SmtpSettings.SMTPD_BANNER).replace("$myhostname", myhostname).replace("${myhostname}", myhostname),
                c.get(SmtpSettings.SMTPD_TIMEOUT), c.get(PolicySettings.HELO_REQUIRED),
                c.get(SmtpSettings.SMTPD_SOFT_ERROR_LIMIT), c.get(SmtpSettings.SMTPD_HARD_ERROR_LIMIT),
                c.get(SmtpSettings.SMTPD_ERROR_SLEEP_TIME), c.get(SmtpSettings.SMTPD_RECIPIENT_LIMIT),
                c.get(SmtpSettings.MESSAGES_PER_CONNECTION_LIMIT),
                c.get(SmtpSettings.MESSAGE_SIZE_LIMIT), c.get(SmtpSettings.LINE_LENGTH_LIMIT),
                c.get(SmtpSettings.HEADER_SIZE_LIMIT), c.get(SmtpSettings.DISABLE_VRFY_COMMAND), c.get(SmtpSettings.SMTPUTF8_ENABLE),
                bareNewline(c.get(SmtpSettings.SMTPD_FORBID_BARE_NEWLINE)), c.get(SmtpSettings.SMTPD_FORBID_UNAUTH_PIPELINING),
                TlsLevel.valueOf(c.get(SmtpSettings.SMTPD_TLS_SECURITY_LEVEL).toUpperCase(java.util.Locale.ROOT)),
                c.get(SmtpSettings.SMTPD_TLS_RECEIVED_HEADER), c.get(SmtpSettings.SMTPD_PEERNAME_LOOKUP), myhostname);
    }

    /** The same engine as an LMTP server (LHLO required, no TLS, no peer name lookup, no error sleep). */
    public static SmtpServerConfig lmtp(Config c, String myhostname) {
        SmtpServerConfig s = from(c, "lmtp", myhostname);
        return new SmtpServerConfig("lmtp", true, myhostname, myhostname + " LMTP ready", s.timeout(), true,
                s.softErrorLimit(), s.hardErrorLimit(), Duration.ZERO, s.recipientLimit(), 0, s.messageSizeLimit(),
                s.lineLengthLimit(), s.headerSizeLimit(), true, true, s.bareNewline(), false, TlsLevel.NONE, false, false,
                s.myorigin());
    }

    static BareNewline bareNewline(String v) {
        return switch (v) {
            case "yes" -> BareNewline.REJECT;
            case "no" -> BareNewline.KEEP;
            default -> BareNewline.NORMALIZE;
        };
    }

    /** A copy with other limits (tests, per-listener overrides). */
    public SmtpServerConfig withErrorLimits(int soft, int hard, Duration sleep) {
        return new SmtpServerConfig(listener, lmtp, myhostname, banner, timeout, heloRequired, soft, hard, sleep,
                recipientLimit, messageLimit, messageSizeLimit, lineLengthLimit, headerSizeLimit, disableVrfy, smtputf8, bareNewline, forbidUnauthPipelining, tlsLevel,
                tlsReceivedHeader, peernameLookup, myorigin);
    }

    /** A copy where a bare "postmaster" means postmaster@{@code origin}. */
    public SmtpServerConfig withMyorigin(String origin) {
        return new SmtpServerConfig(listener, lmtp, myhostname, banner, timeout, heloRequired, softErrorLimit, hardErrorLimit,
                errorSleep, recipientLimit, messageLimit, messageSizeLimit, lineLengthLimit, headerSizeLimit, disableVrfy, smtputf8,
                bareNewline, forbidUnauthPipelining, tlsLevel, tlsReceivedHeader, peernameLookup, origin);
    }
}
