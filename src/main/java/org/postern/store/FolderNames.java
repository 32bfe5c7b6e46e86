package org.postern.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Maildir++ folder names, as Dovecot lays them out: folder {@code Junk} is the directory
 * {@code .Junk} in the home, {@code Archive.2024} (hierarchy separator {@code .}) is
 * {@code .Archive.2024}; non-ASCII names are stored in IMAP's modified UTF-7 (RFC 3501 §5.1.3),
 * so {@code Entwürfe} is {@code .Entw&APw-rfe}, exactly as Dovecot writes it.
 */
public final class FolderNames {
    private FolderNames() {
    }

    /** The hierarchy separator of Maildir++ names. */
    public static final char SEPARATOR = '.';

    /** True for the INBOX (null, empty or any case of "INBOX"): the Maildir root itself. */
    public static boolean isInbox(String folder) {
        return folder == null || folder.isEmpty() || folder.toUpperCase(Locale.ROOT).equals("INBOX");
    }

    /**
     * The directory name of a folder ({@code "Junk"} gives {@code ".Junk"}). Levels may be
     * separated by {@code .} or {@code /}.
     *
     * @throws IllegalArgumentException for an empty level, control characters, or a name that is
     *                                  not a folder (INBOX)
     */
    public static String directoryName(String folder) {
        if (isInbox(folder)) {
            throw new IllegalArgumentException("INBOX is the Maildir root, not a folder");
        }
        List<String> levels = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < folder.length(); i++) {
            char c = folder.charAt(i);
            if (c == '.' || c == '/') {
                levels.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        levels.add(cur.toString());
        StringBuilder out = new StringBuilder();
        for (String level : levels) {
            if (level.isEmpty()) {
                throw new IllegalArgumentException("folder name '" + printable(folder) + "' has an empty level");
            }
            for (int i = 0; i < level.length(); i++) {
                char c = level.charAt(i);
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    throw new IllegalArgumentException("folder name has a control character");
                }
            }
            out.append('.').append(encodeUtf7(level));
        }
        if (out.length() > 255) {
            throw new IllegalArgumentException("folder name too long");
        }
        return out.toString();
    }

    /** The folder name of a Maildir++ directory name ({@code ".Junk"} gives {@code "Junk"}), or null when it is not one. */
    public static String folderName(String directoryName) {
        if (directoryName.length() < 2 || directoryName.charAt(0) != '.' || directoryName.equals("..")) {
            return null;
        }
        String[] levels = directoryName.substring(1).split("\\.", -1);
        StringBuilder sb = new StringBuilder();
        for (String level : levels) {
            if (level.isEmpty()) {
                return null;
            }
            if (!sb.isEmpty()) {
                sb.append(SEPARATOR);
            }
            String d = decodeUtf7(level);
            if (d == null) {
                return null;
            }
            sb.append(d);
        }
        return sb.toString();
    }

    /** Modified UTF-7 encoding (RFC 3501 §5.1.3). */
    public static String encodeUtf7(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= 0x20 && c <= 0x7e) {
                out.append(c == '&' ? "&-" : String.valueOf(c));
                i++;
                continue;
            }
            int j = i;
            while (j < s.length() && (s.charAt(j) < 0x20 || s.charAt(j) > 0x7e)) {
                j++;
            }
            byte[] utf16 = s.substring(i, j).getBytes(StandardCharsets.UTF_16BE);
            String b64 = Base64.getEncoder().withoutPadding().encodeToString(utf16).replace('/', ',');
            out.append('&').append(b64).append('-');
            i = j;
        }
        return out.toString();
    }

    /** Modified UTF-7 decoding; null when the text is not valid modified UTF-7. */
    public static String decodeUtf7(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '&') {
                if (c < 0x20 || c > 0x7e) {
                    return null;
                }
                out.append(c);
                i++;
                continue;
            }
            int end = s.indexOf('-', i + 1);
            if (end < 0) {
                return null;
            }
            if (end == i + 1) {
                out.append('&');
            } else {
                String b64 = s.substring(i + 1, end).replace(',', '/');
                try {
                    byte[] bytes = Base64.getDecoder().decode(b64);
                    if (bytes.length % 2 != 0) {
                        return null;
                    }
                    out.append(new String(bytes, StandardCharsets.UTF_16BE));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            i = end + 1;
        }
        return out.toString();
    }

    private static String printable(String s) {
        return org.postern.core.Texts.safe(s, 100);
    }
}
