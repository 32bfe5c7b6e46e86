package org.postern.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One Authentication-Results resinfo (RFC 8601 §2.2): a method ({@code spf}, {@code dkim},
 * {@code dmarc}, {@code arc}, {@code auth}...), its result, an optional reason and properties such
 * as {@code smtp.mailfrom=...} or {@code header.d=...}.
 */
public record AuthResult(String method, String result, String reason, Map<String, String> properties) {

    public AuthResult {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(result, "result");
        if (!token(method) || !token(result)) {
            throw new IllegalArgumentException("method and result must be tokens: " + method + "=" + result);
        }
        properties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        for (var e : properties.entrySet()) {
            if (!e.getKey().matches("[A-Za-z0-9-]+\\.[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("bad property name " + e.getKey());
            }
        }
    }

    static boolean token(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?=".indexOf(c) < 0);
    }

    /** "method=result (reason) ptype.prop=value ..." with values quoted when they are not tokens. */
    String text() {
        StringBuilder sb = new StringBuilder(method).append('=').append(result);
        if (reason != null && !reason.isBlank()) {
            sb.append(" reason=").append(quoteIfNeeded(reason));
        }
        for (var e : properties.entrySet()) {
            sb.append(' ').append(e.getKey()).append('=').append(quoteIfNeeded(e.getValue()));
        }
        return sb.toString();
    }

    static String quoteIfNeeded(String v) {
        // RFC 8601 §2.2 pvalue: a token, an addr-spec-ish value with '@', or a quoted-string
        boolean plain = !v.isEmpty() && v.chars().allMatch(c -> c > 32 && c < 127 && "()<>,;:\\\"/[]?=".indexOf(c) < 0);
        if (plain) {
            return v;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            if (c >= 32 && c != 127) {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
