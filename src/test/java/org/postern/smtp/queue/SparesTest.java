package org.postern.smtp.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparesTest {
    @TempDir
    Path dir;

    private long count(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void aRemovedMessageLeavesItsDirectoryEmptiedAndItsInodeServesTheNextOne() throws Exception {
        Path spareDir = Files.createDirectories(dir.resolve("spare"));
        Path active = Files.createDirectories(dir.resolve("active"));
        Path incoming = Files.createDirectories(dir.resolve("incoming"));
        Spares spares = new Spares(spareDir, 2);
        Path msg = Files.writeString(active.resolve("A1"), "secret message body");
        Object inode = Files.readAttributes(msg, BasicFileAttributes.class).fileKey();

        spares.recycle(msg);
        assertFalse(Files.exists(msg));
        assertEquals(1, spares.size());
        try (Stream<Path> s = Files.list(spareDir)) {
            Path spare = s.findFirst().orElseThrow();
            assertEquals(0, Files.size(spare), "the content goes with the removal");
        }
        assertThrows(NoSuchFileException.class, () -> spares.recycle(msg));

        Path next = incoming.resolve("B2");
        try (FileChannel ch = spares.reuse(next)) {
            assertNotNull(ch);
            ch.write(ByteBuffer.wrap("new".getBytes()));
        }
        assertEquals("new", Files.readString(next));
        assertEquals(inode, Files.readAttributes(next, BasicFileAttributes.class).fileKey());
        assertEquals(0, count(spareDir));
        assertNull(spares.reuse(incoming.resolve("C3")), "none left: the caller creates a file");
    }

    @Test
    void beyondTheLimitFilesAreDeleted() throws Exception {
        Path spareDir = Files.createDirectories(dir.resolve("spare"));
        Spares spares = new Spares(spareDir, 2);
        for (int i = 0; i < 5; i++) {
            spares.recycle(Files.writeString(dir.resolve("m" + i), "x"));
        }
        assertEquals(2, spares.size());
        assertEquals(2, count(spareDir));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "only spare/ is left");
        }
    }

    @Test
    void startUpEmptiesWhatACrashLeftInSpare() throws Exception {
        Path spareDir = Files.createDirectories(dir.resolve("spare"));
        Files.writeString(spareDir.resolve("old.1"), "renamed but not yet truncated when the server died");
        Files.writeString(spareDir.resolve("old.2"), "");
        Files.writeString(spareDir.resolve("old.3"), "more");
        Spares spares = new Spares(spareDir, 2);
        spares.recover();
        assertEquals(2, spares.size());
        assertEquals(2, count(spareDir));
        try (Stream<Path> s = Files.list(spareDir)) {
            assertTrue(s.allMatch(p -> p.toFile().length() == 0));
        }
    }
}
