package org.postern.smtp.policy.table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Postfix table-file lines: empty and whitespace-only lines and lines whose first non-blank
 * character is '#' are ignored; a line that starts with whitespace continues the previous
 * logical line.
 */
final class LineReader {
    private LineReader() {
    }

    record Line(int number, String text) {
    }

    static List<Line> read(Path file) {
        List<String> raw;
        try {
            raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            try {
                raw = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            } catch (IOException e2) {
                throw new TableFileException(file + ": cannot read: " + e2.getMessage(), e2);
            }
        } catch (IOException e) {
            throw new TableFileException(file + ": cannot read: " + e.getMessage(), e);
        }
        return logical(raw);
    }

    static List<Line> logical(List<String> raw) {
        List<Line> out = new ArrayList<>();
        StringBuilder cur = null;
        int start = 0;
        for (int i = 0; i < raw.size(); i++) {
            String l = raw.get(i);
            if (l.endsWith("\r")) {
                l = l.substring(0, l.length() - 1);
            }
            String stripped = l.strip();
            if (stripped.isEmpty() || stripped.charAt(0) == '#') {
                continue;
            }
            boolean continuation = Character.isWhitespace(l.charAt(0));
            if (continuation && cur != null) {
                cur.append(' ').append(stripped);
                continue;
            }
            if (cur != null) {
                out.add(new Line(start, cur.toString()));
            }
            cur = new StringBuilder(stripped);
            start = i + 1;
        }
        if (cur != null) {
            out.add(new Line(start, cur.toString()));
        }
        return out;
    }
}
