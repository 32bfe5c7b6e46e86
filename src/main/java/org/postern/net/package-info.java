/**
 * The network layer shared by every protocol: {@link org.postern.net.Listener} (accept loop on
 * virtual threads, a permit taken before {@code accept()}, per-IP count/rate limits, PROXY
 * protocol, implicit TLS), {@link org.postern.net.Connection} (buffered I/O, bounded
 * {@link org.postern.net.LineReader}, STARTTLS) and {@link org.postern.net.CloseCause}.
 *
 * <p>Adding a protocol (IMAP, POP3...): implement {@link org.postern.net.ConnectionHandler}
 * ({@code handle} runs the conversation with a plain blocking read loop and returns why it ended;
 * {@code refuse} says "too many connections" in the protocol's words), then start a
 * {@code new Listener(options, handler)}. Read lines with {@code connection.reader().readLine(max)}
 * and always look at {@code tooLong()}, {@code ending()} and {@code bareCr()}; write with
 * {@code connection.write} and flush before you block on input.
 */
package org.postern.net;
