/**
 * Postfix-compatible SMTP access policy: {@link org.postern.smtp.policy.RestrictionPolicy} evaluates
 * the {@code smtpd_*_restrictions} lists of {@link org.postern.smtp.policy.PolicySettings} with
 * Postfix's semantics and reply texts; {@code table} reads Postfix's lookup table files.
 *
 * <h2>Adding a restriction</h2>
 * <ol>
 *   <li>Write the check as a method {@code Status name(Eval ev, ListContext ctx)} in {@code Checks}:
 *       return {@code DUNNO} when it does not apply (a missing fact, e.g. no recipient yet),
 *       {@code OK} to end the list, or {@code ev.reject(code, dsn, text)} with Postfix's exact
 *       text ({@code "<name>: Class rejected: ..."}). A DNS failure never passes and never
 *       rejects permanently: call {@code ev.deferIfPermit(450, dsn, text)} and return DUNNO.</li>
 *   <li>Map its Postfix name to it in {@code RestrictionPolicy.restriction} (and in
 *       {@code WITH_ARGUMENT} when it takes an argument), and add the name to
 *       {@code Checks.KNOWN} for "did you mean" hints.</li>
 *   <li>Put a reply code in {@code PolicySettings} when Postfix has a parameter for it.</li>
 *   <li>Test it in {@code RestrictionPolicyTest}; when Postfix has it without DNS, add probes
 *       to {@code PostfixDifferentialTest} so both servers must answer alike.</li>
 * </ol>
 */
package org.postern.smtp.policy;
