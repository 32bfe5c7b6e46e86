/**
 * SMTP/LMTP codec without I/O: command lines to {@link org.postern.codec.smtp.SmtpCommand},
 * MAIL/RCPT arguments to {@link org.postern.codec.smtp.MailFrom}/{@link org.postern.codec.smtp.RcptTo}
 * (paths, source routes, ESMTP parameters with xtext; unknown or malformed parameters are errors
 * carrying their 555/501 reply), {@link org.postern.core.Reply} to wire text, and the DATA
 * {@link org.postern.codec.smtp.DataDecoder} (dot-unstuffing; end of data only on CRLF.CRLF).
 * Tested as tables from raw input to records.
 */
package org.postern.codec.smtp;
