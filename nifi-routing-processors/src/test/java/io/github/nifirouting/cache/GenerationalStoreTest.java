package io.github.nifirouting.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Persistence, crash safety, bounds and exclusive use of the local store's memory-mapped generation files. */
class GenerationalStoreTest {

    /** Two files of 16 slots each. */
    private static final long SIXTEEN_SLOTS = 2L * (GenerationalStore.HEADER_BYTES + 16 * GenerationalStore.SLOT_BYTES);

    @TempDir
    Path dir;

    private static void put(final GenerationalStore store, final long key, final double duration) {
        store.putAll(new long[]{key}, new double[]{duration}, new double[]{duration * 10}, 1);
    }

    private static double get(final GenerationalStore store, final long key) {
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
    void entriesSurviveAReopen() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, 1 << 20)) {
            for (long key = 1; key <= 1000; key++) {
                put(store, key * 7919, key);
            }
        }
        try (GenerationalStore store = new GenerationalStore(dir, 1 << 20)) {
            assertEquals(1000, store.size());
            for (long key = 1; key <= 1000; key++) {
                assertEquals(key, get(store, key * 7919));
            }
            assertTrue(Double.isNaN(get(store, 5)));
        }
    }

    @Test
    void aSlotTornByAPowerLossIsDroppedAndTheEntriesProbedPastItStayReachable() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            put(store, 3, 1.0);  // home slot 3
            put(store, 19, 2.0); // home slot 3, probed to 4
            put(store, 35, 3.0); // home slot 3, probed to 5
        }
        // The distance of slot 3 reached the disk, its check did not.
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("generation-a.tbl").toFile(), "rw")) {
            file.seek(GenerationalStore.HEADER_BYTES + 3L * GenerationalStore.SLOT_BYTES + 16);
            file.writeDouble(12345.0);
        }
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            assertEquals(2, store.size());
            assertTrue(Double.isNaN(get(store, 3)), "the torn entry is gone");
            assertEquals(2.0, get(store, 19));
            assertEquals(3.0, get(store, 35));
        }
    }

    @Test
    void aGenerationMarkedEmptyByAnInterruptedSwapLoadsEmpty() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            put(store, 42, 1.0);
        }
        // A swap marks the file it clears as generation 0 before clearing it; the JVM died right after.
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("generation-a.tbl").toFile(), "rw")) {
            file.seek(16);
            file.writeLong(0);
        }
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            assertEquals(0, store.size());
            assertTrue(Double.isNaN(get(store, 42)));
            put(store, 43, 2.0);
        }
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            assertEquals(2.0, get(store, 43));
        }
    }

    @Test
    void diskUseIsFixedAndEntriesAreBounded() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            final long bytes = store.bytesOnDisk();
            assertEquals(SIXTEEN_SLOTS, bytes);
            for (long key = 1; key <= 500; key++) {
                put(store, key, key);
                assertTrue(store.size() <= store.maxEntries(), "held " + store.size());
            }
            assertEquals(bytes, store.bytesOnDisk());
            assertEquals(500.0, get(store, 500), "the newest entry is kept");
            assertTrue(Double.isNaN(get(store, 1)), "the oldest is evicted");
        }
    }

    @Test
    void entriesInUseSurviveSwaps() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            put(store, 1_000_000, 7.0);
            for (long key = 1; key <= 200; key++) {
                put(store, key, key);
                assertEquals(7.0, get(store, 1_000_000), "read after every put: carried into each new generation");
            }
        }
    }

    @Test
    void changingMaxSizeKeepsThePairsThatFit() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            for (long key = 1; key <= 5; key++) {
                put(store, key, key);
            }
        }
        try (GenerationalStore store = new GenerationalStore(dir, 4 * SIXTEEN_SLOTS)) {
            assertEquals(5, store.size());
            assertEquals(3.0, get(store, 3));
            assertEquals(4 * SIXTEEN_SLOTS, store.bytesOnDisk());
        }
        assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().endsWith(".resized")));
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() throws Exception {
        try (GenerationalStore store = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            put(store, 31, 1.0);
            final IOException refused = assertThrows(IOException.class, () -> new GenerationalStore(dir, SIXTEEN_SLOTS));
            assertTrue(refused.getMessage().contains("in use"), refused.getMessage());
        }
        try (GenerationalStore reopened = new GenerationalStore(dir, SIXTEEN_SLOTS)) {
            assertEquals(1.0, get(reopened, 31), "the lock is released on close");
        }
    }
}
