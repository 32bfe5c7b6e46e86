package org.postern.codec.smtp;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.postern.core.Address;

/**
 * Pure-logic fuzz of the parsers every SMTP command goes through: random text built from the
 * characters that matter to them (angle brackets, quotes, backslashes, @, dots, colons, brackets,
 * '=', '+', controls, non-ASCII) must parse or be refused with the parser's own exception
 * (a syntax reply), never with another one.
 */
class ArgumentsFuzzTest {
    private static final String[] PARTS = {"<", ">", "\"", "\\", "@", ".", ":", ",", "[", "]", "=", "+", " ", "\t", "(", ")",
        "a", "user", "example.org", "test.local", "IPv6:", "::1", "127.0.0.1", "xn--bcher-kva.example", "bücher", "ü",
        "\u0000", "\u007f", "\u2028", "\ud800", "SIZE=", "BODY=8BITMIME", "SMTPUTF8", "RET=HDRS", "ENVID=", "NOTIFY=",
        "SUCCESS", "NEVER", "ORCPT=rfc822;", "+2B", "+ZZ", "AUTH=<>", "FROM:", "TO:", "postmaster", "99999999999999999999"};

    private static String random(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(14);
        for (int i = 0; i < n; i++) {
            sb.append(PARTS[r.nextInt(PARTS.length)]);
        }
        return sb.toString();
    }

    @Test
    void mailRcptAndAddressParsersOnlyRefuseWithTheirOwnErrors() {
        int refused = 0;
        for (long seed = 1; seed <= 50_000; seed++) {
            Random r = new Random(seed);
            String text = random(r);
            boolean utf8 = r.nextBoolean();
            try {
                SmtpArguments.parseMail(text, utf8);
            } catch (SmtpSyntaxException e) {
                refused++;
                assertTrue(e.getMessage() != null && e.getMessage().matches("5[0-9][0-9] .*"), "seed " + seed + ": " + e.getMessage());
            } catch (RuntimeException e) {
                fail("seed " + seed + ": MAIL " + escape(text) + " threw " + e, e);
            }
            try {
                SmtpArguments.parseRcpt(text, utf8, "test.local");
            } catch (SmtpSyntaxException e) {
                assertTrue(e.getMessage() != null && e.getMessage().matches("5[0-9][0-9] .*"), "seed " + seed + ": " + e.getMessage());
            } catch (RuntimeException e) {
                fail("seed " + seed + ": RCPT " + escape(text) + " threw " + e, e);
            }
            try {
                Address.parse(text, utf8);
            } catch (Address.InvalidAddressException e) {
                // refused as an address: fine
            } catch (RuntimeException e) {
                fail("seed " + seed + ": address " + escape(text) + " threw " + e, e);
            }
            try {
                SmtpCommand.parse(text);
            } catch (RuntimeException e) {
                fail("seed " + seed + ": command line " + escape(text) + " threw " + e, e);
            }
        }
        assertTrue(refused > 10_000, "most random arguments are refused: " + refused);
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
