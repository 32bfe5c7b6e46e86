package org.postern.smtp.queue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Test-side parser of an RFC 3464 / RFC 6522 multipart/report, to check what the queue sends. */
record Dsn(Map<String, String> headers, List<Part> parts, Map<String, String> perMessage, List<Map<String, String>> perRecipient) {

    record Part(Map<String, String> headers, String body) {
    }

    static Dsn parse(String text) {
        int split = text.indexOf("\r\n\r\n");
        Map<String, String> headers = fields(text.substring(0, split));
        String ct = headers.get("content-type");
        if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("multipart/report")) {
            throw new AssertionError("not a multipart/report: " + ct);
        }
        if (!ct.contains("report-type=delivery-status")) {
            throw new AssertionError("report-type missing: " + ct);
        }
        int b = ct.indexOf("boundary=\"");
        String boundary = ct.substring(b + 10, ct.indexOf('"', b + 10));
        String body = text.substring(split + 4);
        String[] chunks = body.split("\r\n--" + java.util.regex.Pattern.quote(boundary));
        List<Part> parts = new ArrayList<>();
        if (!chunks[chunks.length - 1].startsWith("--")) {
            throw new AssertionError("no closing boundary");
        }
        for (int i = 1; i < chunks.length - 1; i++) {
            String c = chunks[i].substring(2); // CRLF after the boundary
            int s = c.indexOf("\r\n\r\n");
            parts.add(new Part(fields(c.substring(0, s)), c.substring(s + 4)));
        }
        if (parts.size() < 2) {
            throw new AssertionError("a report has at least two parts");
        }
        Part status = parts.get(1);
        if (!List.of("message/delivery-status", "message/global-delivery-status").contains(status.headers().get("content-type"))) {
            throw new AssertionError("second part is " + status.headers().get("content-type"));
        }
        String[] blocks = status.body().strip().split("\r\n\r\n");
        Map<String, String> perMessage = fields(blocks[0]);
        List<Map<String, String>> perRcpt = new ArrayList<>();
        for (int i = 1; i < blocks.length; i++) {
            perRcpt.add(fields(blocks[i]));
        }
        if (!perMessage.containsKey("reporting-mta")) {
            throw new AssertionError("Reporting-MTA is required (RFC 3464 2.2.2)");
        }
        for (Map<String, String> r : perRcpt) {
            for (String req : List.of("final-recipient", "action", "status")) {
                if (!r.containsKey(req)) {
                    throw new AssertionError(req + " is required (RFC 3464 2.3)");
                }
            }
        }
        return new Dsn(headers, parts, perMessage, perRcpt);
    }

    private static Map<String, String> fields(String block) {
        Map<String, String> out = new LinkedHashMap<>();
        String name = null;
        for (String line : block.split("\r\n")) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
                out.put(name, out.get(name) + " " + line.strip());
                continue;
            }
            int c = line.indexOf(':');
            if (c <= 0) {
                continue;
            }
            name = line.substring(0, c).toLowerCase(Locale.ROOT);
            out.putIfAbsent(name, line.substring(c + 1).strip());
        }
        return out;
    }
}
