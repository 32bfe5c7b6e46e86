package org.postern.store;

import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;

/**
 * The mailbox store: durable delivery into a user's Maildir. The one code path used by local
 * delivery from the queue and by LMTP.
 */
public interface MailStore {

    /**
     * Delivers a message into the mailbox's INBOX (or a Maildir++ folder such as ".Junk").
     * Returns only after the file and its directory entry are fsynced (DESIGN §8).
     * Adds {@code Return-Path} and {@code Delivered-To} at the top.
     */
    Result deliver(Request request);

    /** Current usage of a mailbox in bytes (for quota checks at RCPT). */
    long usage(Address mailbox);

    /**
     * @param mailbox      the final mailbox
     * @param quotaBytes   null for unlimited
     * @param returnPath   the envelope sender ("" for the null sender)
     * @param deliveredTo  the address for Delivered-To (the final mailbox address, Postfix/Dovecot style)
     * @param folder       null for INBOX, else a Maildir++ folder name without the dot ("Junk")
     */
    record Request(Address mailbox, Long quotaBytes, String returnPath, Address deliveredTo, String folder, MessageSource message) {
    }

    /** The outcome: delivered (with a log detail such as "delivered to maildir"), or failed with a reply (4xx temp, 5xx perm). */
    record Result(boolean delivered, Reply reply, String detail) {
        public static Result ok(String detail) {
            return new Result(true, Reply.of(250, "2.0.0", "Ok"), detail);
        }

        public static Result failed(Reply reply, String detail) {
            return new Result(false, reply, detail);
        }
    }
}
