package org.postern.codec.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.postern.codec.smtp.DataDecoder.BareNewline;

/** Table tests: raw DATA bytes (escapes \r \n) to stored content and where the data ended. */
class DataDecoderTest {

    record Result(String stored, boolean done, int consumed, boolean bareLf, boolean bareCr) {
    }

    static Result run(String raw, BareNewline mode, int chunk) throws Exception {
        byte[] in = raw.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataDecoder d = new DataDecoder(out, 1000, mode);
        int consumed = 0;
        while (consumed < in.length && !d.done()) {
            int n = Math.min(chunk, in.length - consumed);
            consumed += d.feed(in, consumed, n);
        }
        String s = out.toString(StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
        return new Result(s, d.done(), consumed, d.sawBareLf(), d.sawBareCr());
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @CsvSource(delimiter = '|', value = {
            // raw | mode | stored | done
            "a\\r\\n.\\r\\n|NORMALIZE|a\\r\\n|true",
            ".\\r\\n|NORMALIZE|''|true",
            "..dot\\r\\n.\\r\\n|NORMALIZE|.dot\\r\\n|true",
            "a\\r\\n..\\r\\n.\\r\\n|NORMALIZE|a\\r\\n.\\r\\n|true",
            // smuggling probes: none of these ends the data
            "a\\n.\\nMAIL|NORMALIZE|a\\r\\n\\r\\nMAIL|false",
            "a\\r.\\rMAIL|NORMALIZE|a\\r\\n\\r\\nMAIL|false",
            "a\\n.\\r\\nMAIL|NORMALIZE|a\\r\\n\\r\\nMAIL|false",
            "a\\r\\n.\\nMAIL|NORMALIZE|a\\r\\n\\r\\nMAIL|false",
            "a\\r\\n.\\rMAIL|NORMALIZE|a\\r\\n\\r\\nMAIL|false",
            "a\\n.\\nMAIL|KEEP|a\\n.\\nMAIL|false",
            "a\\r.\\rMAIL|KEEP|a\\r.\\rMAIL|false",
            "a\\n.\\r\\nMAIL|KEEP|a\\n.\\r\\nMAIL|false",
            "a\\n.\\nMAIL|REJECT|a\\n.\\nMAIL|false",
            // a real end after a bare one
            "a\\n.\\n\\r\\n.\\r\\n|NORMALIZE|a\\r\\n\\r\\n\\r\\n|true",
            "a\\r\\r\\n.\\r\\n|NORMALIZE|a\\r\\n\\r\\n|true",
            "a\\r\\r\\n.\\r\\n|KEEP|a\\r\\r\\n|true",
    })
    void table(String raw, BareNewline mode, String stored, boolean done) throws Exception {
        for (int chunk : new int[] {1, 2, 3, 1000}) {
            Result r = run(raw, mode, chunk);
            assertEquals(stored, r.stored(), "chunk " + chunk);
            assertEquals(done, r.done(), "chunk " + chunk);
        }
    }

    @Test
    void stopsAtEndAndReportsRest() throws Exception {
        Result r = run("x\\r\\n.\\r\\nQUIT\\r\\n", BareNewline.NORMALIZE, 1000);
        assertTrue(r.done());
        assertEquals(6, r.consumed());
        assertFalse(r.bareLf());
        Result bare = run("x\\ny\\rz\\r\\n.\\r\\n", BareNewline.REJECT, 1000);
        assertTrue(bare.bareLf());
        assertTrue(bare.bareCr());
    }

    @Test
    void limitCountsButDoesNotWrite() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataDecoder d = new DataDecoder(out, 10, BareNewline.NORMALIZE);
        byte[] in = "0123456789abcdef\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(in, 0, in.length);
        assertTrue(d.done());
        assertTrue(d.overLimit());
        assertEquals(18, d.size());
        assertEquals(10, out.size());
    }
}
