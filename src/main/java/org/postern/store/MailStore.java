package org.postern.store;

import org.postern.core.Address;
import org.postern.core.MessageSource;
import org.postern.core.Reply;

/**
 * The mailbox store: durable delivery into a user's Maildir. The one code path used by local
 * delivery from the queue and by LMTP.
 */
public interface MailStore {

    /** The log detail of a successful delivery, as Postfix's virtual agent words it. */
    String DETAIL_DELIVERED = "delivered to maildir";

    /**
     * Delivers a message into the mailbox's INBOX (or a Maildir++ folder such as ".Junk").
     * Returns only after the file and its directory entry are fsynced (DESIGN §8).
     * Adds {@code Return-Path} and {@code Delivered-To} at the top.
     * Never throws for I/O trouble: the result carries 4xx (temporary) or 5xx (permanent).
     */
    Result deliver(Request request);

    /** Current usage of a mailbox in bytes (for quota checks at RCPT); 0 for a mailbox never delivered to. */
    long usage(Address mailbox);

    /** Registers a listener told after each successful delivery (e.g. IMAP IDLE sessions). */
    void addListener(DeliveryListener listener);

    void removeListener(DeliveryListener listener);

    /**
     * @param mailbox      the final mailbox
     * @param quotaBytes   null for unlimited
     * @param returnPath   the envelope sender ("" for the null sender)
     * @param deliveredTo  the address for Delivered-To (the final mailbox address, Postfix/Dovecot style)
     * @param folder       null for INBOX, else a Maildir++ folder name without the dot ("Junk")
     */
    record Request(Address mailbox, Long quotaBytes, String returnPath, Address deliveredTo, String folder, MessageSource message) {
    }

    /**
     * The outcome: delivered (with a log detail such as "delivered to maildir"), or failed with a
     * reply (4xx temp, 5xx perm). {@code uid} is the IMAP UID assigned (0 when failed, or when the
     * UID list could not be updated now: the next index sync assigns it).
     */
    record Result(boolean delivered, Reply reply, String detail, long uid) {
        public static Result ok(String detail, long uid) {
            return new Result(true, Reply.of(250, "2.0.0", "Ok"), detail, uid);
        }

        public static Result failed(Reply reply, String detail) {
            return new Result(false, reply, detail, 0);
        }
    }

    /** Told after a message is durably in a folder. Called on the delivering thread: return quickly, do not throw. */
    @FunctionalInterface
    interface DeliveryListener {
        /**
         * @param mailbox the mailbox (its {@link Address#key()} identifies it)
         * @param folder  null for INBOX, else the folder name as requested
         * @param uid     the assigned UID, 0 when not yet known
         */
        void onDelivered(Address mailbox, String folder, long uid);
    }
}
