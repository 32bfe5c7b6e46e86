/**
 * LMTP (RFC 2033) on the inbound session engine: {@link org.postern.smtp.lmtp.LmtpServer} with
 * {@link org.postern.smtp.lmtp.LmtpRecipientPolicy} (RCPT only for addresses we deliver) and
 * {@link org.postern.smtp.lmtp.SpoolReceiver} (spool file, then one reply per recipient after
 * {@link org.postern.smtp.delivery.LocalDelivery}).
 */
package org.postern.smtp.lmtp;
