/**
 * The inbound SMTP session engine (also LMTP's): {@link org.postern.smtp.inbound.SmtpServer} is the
 * connection handler, {@code SmtpSession} the conversation with an explicit sealed input mode
 * (command, DATA, BDAT chunk, done) and one handler per command. The session asks the
 * {@link org.postern.smtp.policy.SmtpPolicy} at each stage and hands the message to a
 * {@link org.postern.smtp.inbound.MessageReceiver}: the queue for SMTP
 * ({@link org.postern.smtp.inbound.QueueReceiver}), local delivery for LMTP.
 *
 * <p>Adding a command: add the verb to {@code SmtpCommand.Verb}, a case to the switch in
 * {@code SmtpSession.command()}, and a handler method that starts with its guard clauses and returns
 * the next mode; replies carry enhanced status codes; count the command for the disconnect summary.
 */
package org.postern.smtp.inbound;
