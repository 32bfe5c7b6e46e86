package org.postern.codec.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.postern.core.Envelope.Notify;
import org.postern.core.Reply;

class SmtpArgumentsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ehlo client.example|EHLO|client.example",
            "MAIL FROM:<a@b.example>|MAIL|FROM:<a@b.example>",
            "  rcpt   TO:<x@y>  |RCPT|TO:<x@y>",
            "QUIT|QUIT|''",
            "StartTLS|STARTTLS|''",
            "bdat 100 LAST|BDAT|100 LAST",
    })
    void commandLines(String line, String verb, String arg) {
        SmtpCommand c = SmtpCommand.parse(line);
        assertEquals(SmtpCommand.Verb.valueOf(verb), c.verb());
        assertEquals(arg, c.argument());
    }

    @Test
    void unknownVerb() {
        SmtpCommand c = SmtpCommand.parse("GET / HTTP/1.1");
        assertNull(c.verb());
        assertEquals("GET", c.verbText());
        assertNull(SmtpCommand.parse("").verb());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "FROM:<user@example.org>|user@example.org",
            "from:<user@Example.ORG>|user@example.org",
            "FROM:<>|NULL",
            "FROM: <user@example.org>|user@example.org",
            "FROM:user@example.org|user@example.org",
            "FROM:<@relay.example,@other.example:user@example.org>|user@example.org",
            "FROM:<\"john doe\"@example.org>|\"john doe\"@example.org",
            "FROM:<\"a>b\"@example.org>|\"a>b\"@example.org",
    })
    void mailPaths(String arg, String expected) throws Exception {
        MailFrom m = SmtpArguments.parseMail(arg, true);
        assertEquals(expected, m.sender() == null ? null : m.sender().toString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "FROM|501 5.5.4",
            "TO:<a@b>|501 5.5.4",
            "FROM:<a@b|501 5.5.4",
            "FROM:<a@b>x|501 5.5.4",
            "FROM:<a b@c>|501 5.5.4",
            "FROM:<@bad:a@b.example|501 5.5.4",
            "FROM:<a@@b>|501 5.1.7",
            "FROM:<a..b@example.org>|501 5.1.7",
            "FROM:<a@b> FOO=bar|555 5.5.4",
            "FROM:<a@b> SIZE=abc|501 5.5.4",
            "FROM:<a@b> SIZE|501 5.5.4",
            "FROM:<a@b> BODY=9BIT|501 5.5.4",
            "FROM:<a@b> RET=ALL|501 5.5.4",
            "FROM:<a@b> ENVID=a+zz|501 5.5.4",
            "FROM:<a@b> ENVID=a+0A|501 5.5.4",
            "FROM:<a@b> SMTPUTF8=yes|501 5.5.4",
            "FROM:<a@b> SIZE=1 SIZE=2|501 5.5.4",
            "FROM:<a@b> =x|501 5.5.4",
            "FROM:<a@b> BODY=|501 5.5.4",
            "FROM:<jörg@example.org>|501 5.1.7",
    })
    void badMail(String arg, String expected) {
        SmtpSyntaxException e = assertThrows(SmtpSyntaxException.class, () -> SmtpArguments.parseMail(arg, true));
        Reply r = e.reply();
        assertEquals(expected, r.code() + " " + r.status());
    }

    @Test
    void mailParams() throws Exception {
        MailFrom m = SmtpArguments.parseMail("FROM:<a@b.example> SIZE=12345 body=8bitmime RET=hdrs ENVID=QQ+2B123 SMTPUTF8", true);
        assertEquals(12345L, m.size());
        assertEquals("8BITMIME", m.body());
        assertEquals("HDRS", m.ret());
        assertEquals("QQ+123", m.envid());
        assertTrue(m.smtputf8());
        assertEquals(Long.MAX_VALUE, SmtpArguments.parseMail("FROM:<> SIZE=999999999999999999999", true).size());
        // UTF-8 mailbox only with SMTPUTF8
        assertEquals("jörg@example.org", SmtpArguments.parseMail("FROM:<jörg@example.org> SMTPUTF8", true).sender().toString());
        assertThrows(SmtpSyntaxException.class, () -> SmtpArguments.parseMail("FROM:<jörg@example.org> SMTPUTF8", false));
    }

    @Test
    void rcptParams() throws Exception {
        RcptTo r = SmtpArguments.parseRcpt("TO:<u@example.org> NOTIFY=success,failure ORCPT=rfc822;u+2Bx@example.org", false, "mx.example");
        assertEquals("u@example.org", r.recipient().toString());
        assertEquals(Set.of(Notify.SUCCESS, Notify.FAILURE), r.notifyOn());
        assertEquals("rfc822;u+x@example.org", r.orcpt());
        assertEquals(Set.of(Notify.NEVER), SmtpArguments.parseRcpt("TO:<u@e.org> NOTIFY=NEVER", false, null).notifyOn());
        assertEquals("postmaster@mx.example", SmtpArguments.parseRcpt("TO:<Postmaster>", false, "mx.example").recipient().toString());
        assertEquals("u@e.org", SmtpArguments.parseRcpt("TO:<@a.example,@b.example:u@e.org>", false, null).recipient().toString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "TO:<>|501 5.1.3",
            "FROM:<a@b>|501 5.5.4",
            "TO:<user>|501 5.1.3",
            "TO:<u@e.org> NOTIFY=NEVER,SUCCESS|501 5.5.4",
            "TO:<u@e.org> NOTIFY=SOMETIMES|501 5.5.4",
            "TO:<u@e.org> NOTIFY|501 5.5.4",
            "TO:<u@e.org> ORCPT=u@e.org|501 5.5.4",
            "TO:<u@e.org> ORCPT=rfc822;|501 5.5.4",
            "TO:<u@e.org> SIZE=10|555 5.5.4",
            "TO:<u@e.org> X-FOO|555 5.5.4",
            "TO:<u%other.example@e.org|501 5.5.4",
    })
    void badRcpt(String arg, String expected) {
        SmtpSyntaxException e = assertThrows(SmtpSyntaxException.class, () -> SmtpArguments.parseRcpt(arg, false, "mx.example"));
        assertEquals(expected, e.reply().code() + " " + e.reply().status());
    }

    @Test
    void xtext() {
        assertEquals("a+b=c d", Xtext.decode("a+2Bb+3Dc+20d"));
        assertEquals("a+2Bb+3Dc+20d", Xtext.encode("a+b=c d"));
        assertThrows(IllegalArgumentException.class, () -> Xtext.decode("a+2"));
        assertThrows(IllegalArgumentException.class, () -> Xtext.decode("a=b"));
    }

    @Test
    void replies() {
        assertEquals("250 2.1.0 Ok\r\n", ReplyEncoder.encode(Reply.of(250, "2.1.0", "Ok")));
        assertEquals("250-mx.example\r\n250-PIPELINING\r\n250 SIZE 10\r\n",
                ReplyEncoder.encode(new Reply(250, null, java.util.List.of("mx.example", "PIPELINING", "SIZE 10"))));
        assertEquals("550-5.7.1 a\r\n550 5.7.1 b\r\n",
                ReplyEncoder.encode(new Reply(550, org.postern.core.EnhancedStatus.parse("5.7.1"), java.util.List.of("a", "b"))));
    }
}
