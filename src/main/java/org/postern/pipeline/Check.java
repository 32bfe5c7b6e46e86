package org.postern.pipeline;

/**
 * A named check (DESIGN §4.1, Maddy's {@code Check}): it begins a {@link CheckState} for each mail
 * transaction and answers per stage through it. A check reports verdicts; what a failure does is
 * configuration ({@link FailAction}).
 */
public interface Check {

    /** The name in logs and in {@code check_fail_actions}, e.g. "restrictions", "header_checks". */
    String name();

    /**
     * Begins the state for one transaction of this session. The first state of a session also sees
     * the connect and helo stages; each later one starts at MAIL (after RSET, a finished message or a
     * new EHLO). The pipeline closes every state exactly once.
     */
    CheckState begin(SessionInfo session);
}
