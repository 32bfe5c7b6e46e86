package org.postern.pipeline;

import java.net.InetAddress;

/**
 * What a session knows, as checks see it: live values (the HELO name and TLS state change during a
 * session). Implemented by the SMTP/LMTP session; read-only for checks.
 */
public interface SessionInfo {
    /** Listener name ("smtp", "submission", "lmtp"...). */
    String listener();

    InetAddress clientIp();

    int clientPort();

    InetAddress localIp();

    int localPort();

    /** Verified (forward-confirmed) client hostname, or "unknown". */
    String clientName();

    /** PTR name, or "unknown". */
    String reverseName();

    /** The client name lookup failed temporarily. */
    boolean clientNameTemporary();

    /** HELO/EHLO/LHLO argument, or null. */
    String helo();

    /** SMTP, ESMTP, ESMTPS, LMTP... */
    String protocol();

    boolean esmtp();

    boolean tls();

    /** TLS protocol (TLSv1.3) or null. */
    String tlsProtocol();

    /** TLS cipher suite or null. */
    String tlsCipher();

    /** SASL mechanism, or null when not authenticated. */
    String saslMethod();

    /** SASL login name, or null. */
    String saslUser();

    /** Client sent commands ahead of a reply where RFC 2920 does not allow it. */
    boolean unauthPipelining();

    /** The transaction's queue id (assigned at the first accepted RCPT), or null. */
    String queueId();

    /** MAIL FROM address as given ("" for the null sender), or null outside a transaction. */
    String sender();

    /** Recipients accepted so far in this transaction. */
    int recipientCount();

    /** Message bytes received so far (0 before DATA). */
    long size();

    /** A value unique to this transaction (Postfix's policy attribute {@code instance}). */
    String instance();
}
