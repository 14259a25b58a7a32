package io.github.nifirouting.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Crash safety and exclusive use of the local store's files. */
class GenerationalStoreTest {

    @TempDir
    Path dir;

    private static void put(final GenerationalStore store, final long key, final double duration) throws IOException {
        store.putAll(new long[]{key}, new double[]{duration}, new double[]{duration * 10}, 1);
    }

    private static double get(final GenerationalStore store, final long key) throws IOException {
        final double[] durations = new double[1];
        final double[] distances = new double[1];
        final BitSet found = new BitSet();
        store.getAll(new long[]{key}, durations, distances, found);
        if (!found.get(0)) {
            return Double.NaN;
        }
        assertEquals(durations[0] * 10, distances[0], "distance of key " + key);
        return durations[0];
    }

    @Test
    void aTornRecordFromACrashIsCutOffSoLaterAppendsStayAligned() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            put(store, 11, 1.0);
            put(store, 12, 2.0);
        }
        // The JVM died in the middle of the third record: 10 of its 24 bytes reached the file.
        Files.write(dir.resolve("current.log"), new byte[]{0, 0, 0, 0, 0, 0, 0, 13, 0x3f, (byte) 0xf0}, StandardOpenOption.APPEND);
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            assertEquals(2, store.size());
            put(store, 14, 4.0);
            put(store, 15, 5.0);
        }
        assertEquals(4L * GenerationalStore.RECORD_BYTES, Files.size(dir.resolve("current.log")));
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            assertEquals(4, store.size());
            assertEquals(1.0, get(store, 11));
            assertEquals(2.0, get(store, 12));
            assertEquals(4.0, get(store, 14));
            assertEquals(5.0, get(store, 15));
            assertTrue(Double.isNaN(get(store, 13)), "the torn record is gone");
        }
    }

    @Test
    void zeroFilledTailFromALostWriteIsCutOff() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            put(store, 21, 1.0);
        }
        // A file system may leave the tail of an unsynced file zero-filled after a power loss.
        Files.write(dir.resolve("current.log"), new byte[3 * GenerationalStore.RECORD_BYTES], StandardOpenOption.APPEND);
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            assertEquals(1, store.size());
            put(store, 22, 2.0);
        }
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            assertEquals(2, store.size());
            assertEquals(2.0, get(store, 22));
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, 1000)) {
            put(store, 31, 1.0);
            final IOException refused = assertThrows(IOException.class, () -> new GenerationalStore(dir, 1000));
            assertTrue(refused.getMessage().contains("in use"), refused.getMessage());
        }
        try (GenerationalStore reopened = new GenerationalStore(dir, 1000)) {
            assertFalse(Double.isNaN(get(reopened, 31)), "the lock is released on close");
        }
    }
}
