package org.postern.codec.smtp;

import org.postern.core.Address;

/**
 * A parsed {@code MAIL FROM:<path> params} (RFC 5321 §4.1.1.2 with RFC 1870, 6152, 3030, 6531, 3461, 4954).
 *
 * @param sender   the reverse path, null for the null sender {@code <>}
 * @param size     SIZE= declared size or null
 * @param body     BODY= value (7BIT, 8BITMIME, BINARYMIME) or null
 * @param smtputf8 SMTPUTF8 given
 * @param ret      RET= (FULL or HDRS) or null
 * @param envid    ENVID= xtext-decoded, or null
 * @param auth     AUTH= xtext-decoded (RFC 4954 §5), or null
 */
public record MailFrom(Address sender, Long size, String body, boolean smtputf8, String ret, String envid, String auth) {

    /** The sender as written in logs: {@code from=<...>} content ("" for the null sender). */
    public String senderText() {
        return sender == null ? "" : sender.toString();
    }
}
