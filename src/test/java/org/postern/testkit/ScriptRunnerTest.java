package org.postern.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The script runner, and the scripts under scripts/postfix run against a real Postfix: they pin
 * down how Postfix answers (relay matrix, probes, pipelining) — the answers Postern copies.
 */
class ScriptRunnerTest {

    @Test
    void patterns() {
        assertTrue(ScriptRunner.matches("250 2.1.0 Ok", "250 2.1.0 Ok"));
        assertFalse(ScriptRunner.matches("250 2.1.0 Ok", "250 2.1.0 Okay"));
        assertTrue(ScriptRunner.matches("250*", "250-PIPELINING"));
        assertFalse(ScriptRunner.matches("250 *", "250-PIPELINING"));
        assertTrue(ScriptRunner.matches("/^SIZE \\d+$/", "SIZE 10240000"));
        assertFalse(ScriptRunner.matches("/^SIZE \\d+$/", "SIZE"));
    }

    @Test
    void escapes() {
        assertArrayEquals(new byte[] {'a', '\r', '\n', '.', '\n', 0x7f, '\\'}, ScriptRunner.unescape("a\\r\\n.\\n\\x7f\\\\"));
    }

    @Tag("peers")
    @TestFactory
    List<DynamicTest> scriptsAgainstRealPostfix() {
        PostfixPeer pf = PostfixPeer.builder()
                .set("mynetworks", "127.0.0.1/32")
                .set("virtual_mailbox_domains", "test.local")
                .set("virtual_mailbox_base", "${ROOT}/mail")
                .set("virtual_mailbox_maps", "inline:{ bench@test.local=test.local/bench/ }")
                .set("virtual_uid_maps", "static:" + PostfixPeer.VMAIL_ID)
                .set("virtual_gid_maps", "static:" + PostfixPeer.VMAIL_ID)
                .start();
        ScriptRunner runner = new ScriptRunner().port("smtp", pf.port()).var("domain", "test.local");
        List<Path> scripts = ScriptRunner.scripts("scripts/postfix");
        List<DynamicTest> tests = new java.util.ArrayList<>();
        for (Path s : scripts) {
            tests.add(DynamicTest.dynamicTest(s.getFileName().toString(), () -> runner.run(s)));
        }
        tests.add(DynamicTest.dynamicTest("a mismatch names the line", () -> {
            AssertionError e = assertThrows(AssertionError.class,
                    () -> runner.run("inline", "S: 220*\nC: NOOP\nS: 999 nope\n"));
            assertTrue(e.getMessage().startsWith("inline:3: expected 999 nope but got 250 2.0.0 Ok"), e.getMessage());
        }));
        tests.add(DynamicTest.dynamicTest("stop", pf::close));
        return tests;
    }
}
