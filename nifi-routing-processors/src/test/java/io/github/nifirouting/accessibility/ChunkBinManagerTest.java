package io.github.nifirouting.accessibility;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bin manager on its own: sessions are plain lists, the clock is a counter. */
class ChunkBinManagerTest {

    private static final AccessibilityScorer SCORER = new AccessibilityScorer(new AccessibilityScorer.Settings(new double[]{300, 600},
            DecayFunction.NONE, 0, 2, null, null, 0));

    private final AtomicLong clock = new AtomicLong();
    private int sessionsOpened;

    private static TileSlot slot(final String run, final int originBlock, final int destinationBlock, final int destinationBlocks) {
        return new TileSlot(run, originBlock, "2", destinationBlock, destinationBlocks, -1, -1, null);
    }

    /** One origin's partial scores: a destination at the given seconds. */
    private static Map<String, OriginScores> partial(final String origin, final String destination, final double seconds) {
        final OriginScores scores = SCORER.newOrigin();
        scores.add(destination, seconds, 1.0, 1.0);
        final Map<String, OriginScores> partial = new LinkedHashMap<>();
        partial.put(origin, scores);
        return partial;
    }

    private ChunkBinManager.Offer<List<String>, String> offer(final ChunkBinManager<List<String>, String> manager, final TileSlot slot,
                                                               final Map<String, OriginScores> partial, final String item) {
        return manager.offer(slot, SCORER, partial, 1, 100, () -> {
            sessionsOpened++;
            return new ArrayList<>();
        }, session -> {
            session.add(item);
            return item;
        });
    }

    @Test
    void aChunkCompletesWhenEveryDestinationBlockArrivedInAnyOrderWithItsOwnSession() {
        final ChunkBinManager<List<String>, String> manager = new ChunkBinManager<>(Long.MAX_VALUE, clock::get);
        assertEquals(ChunkBinManager.Outcome.ADDED, offer(manager, slot("r", 0, 2, 3), partial("a", "d5", 400), "t2").outcome());
        assertEquals(ChunkBinManager.Outcome.ADDED, offer(manager, slot("r", 1, 0, 3), partial("c", "d1", 10), "u0").outcome());
        assertEquals(ChunkBinManager.Outcome.ADDED, offer(manager, slot("r", 0, 0, 3), partial("a", "d1", 100), "t0").outcome());
        final ChunkBinManager.Offer<List<String>, String> last = offer(manager, slot("r", 0, 1, 3), partial("a", "d3", 200), "t1");
        assertEquals(ChunkBinManager.Outcome.COMPLETE, last.outcome());
        final ChunkBin<List<String>, String> bin = last.bin();
        assertEquals(List.of("t2", "t0", "t1"), bin.session(), "the tiles were handed to the chunk's own session");
        assertEquals(List.of("t2", "t0", "t1"), bin.held());
        final OriginScores a = bin.origins().get("a");
        assertEquals(2, a.count(0), "d1 and d3 within 300 s");
        assertEquals(3, a.count(1));
        assertEquals("d1", a.nearestId(0));
        assertEquals("d3", a.nearestId(1));
        assertEquals(2, sessionsOpened, "one session per chunk");
        assertEquals(List.of("r/1"), manager.openChunkKeys(), "the complete chunk left the manager, the other stays");
    }

    @Test
    void waitingIsNeverAFailureStalledChunksAreReportedOnceAndStayOpen() {
        final ChunkBinManager<List<String>, String> manager = new ChunkBinManager<>(Long.MAX_VALUE, clock::get);
        offer(manager, slot("r", 0, 0, 2), partial("a", "d1", 100), "t0");
        clock.addAndGet(3_600_000_000_000L); // an hour-long outage upstream
        assertEquals(1, manager.newlyStalled(1_000_000_000L).size());
        assertEquals(0, manager.newlyStalled(1_000_000_000L).size(), "reported once per quiet spell");
        assertEquals(1, manager.openChunks(), "still open");
        assertEquals(ChunkBinManager.Outcome.COMPLETE, offer(manager, slot("r", 0, 1, 2), partial("a", "d2", 100), "t1").outcome());
        assertNull(manager.failure("r/0"));
    }

    @Test
    void duplicatesAndMismatchesAreRefusedAndAFailedChunkFailsItsLateTiles() {
        final ChunkBinManager<List<String>, String> manager = new ChunkBinManager<>(Long.MAX_VALUE, clock::get);
        offer(manager, slot("r", 0, 0, 2), partial("a", "d1", 100), "t0");
        assertEquals(ChunkBinManager.Outcome.DUPLICATE, offer(manager, slot("r", 0, 0, 2), partial("a", "d1", 100), "copy").outcome());
        assertEquals(ChunkBinManager.Outcome.MISMATCH, offer(manager, slot("r", 0, 1, 3), partial("a", "d2", 100), "odd").outcome());
        final ChunkBin<List<String>, String> failed = manager.fail("r/0", "tile 1 has a bad row");
        assertEquals(List.of("t0"), failed.held(), "the held tiles are the caller's to release to failure");
        assertEquals(0, manager.heldBytes());
        final ChunkBinManager.Offer<List<String>, String> late = offer(manager, slot("r", 0, 1, 2), partial("a", "d2", 100), "t1");
        assertEquals(ChunkBinManager.Outcome.FAILED_BEFORE, late.outcome());
        assertTrue(late.reason().contains("origin chunk 0 of run r not scored: tile 1 has a bad row"), late.reason());
    }

    @Test
    void memoryBoundsWhatIsHeldByRefusingNewChunksNotByEvicting() {
        final ChunkBinManager<List<String>, String> manager = new ChunkBinManager<>(1_000, clock::get);
        final Map<String, OriginScores> origins = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            origins.putAll(partial("origin-" + i, "d1", 100));
        }
        offer(manager, slot("r", 0, 0, 2), origins, "t0");
        assertTrue(manager.heldBytes() >= 1_000, "5 accumulators and a FlowFile record: " + manager.heldBytes());
        assertTrue(manager.isFull());
        assertFalse(manager.admits("r/1"), "a tile that would open another chunk waits");
        assertTrue(manager.admits("r/0"), "a tile of the open chunk is taken: it completes the chunk");
        assertTrue(manager.admits(null), "a FlowFile that is no tile is scored on its own");
        assertEquals(1, manager.openChunks(), "nothing was evicted");
        offer(manager, slot("r", 0, 1, 2), partial("origin-0", "d2", 100), "t1");
        assertEquals(0, manager.heldBytes(), "completion frees the chunk's bytes");
        assertTrue(manager.admits("r/1"));
        assertTrue(manager.peakHeldBytes() >= 1_000);
    }

    @Test
    void drainHandsBackEveryOpenChunk() {
        final ChunkBinManager<List<String>, String> manager = new ChunkBinManager<>(Long.MAX_VALUE, clock::get);
        offer(manager, slot("r", 0, 0, 2), partial("a", "d1", 100), "t0");
        offer(manager, slot("r", 1, 0, 2), partial("b", "d1", 100), "u0");
        assertEquals(2, manager.drain().size());
        assertEquals(0, manager.openChunks());
        assertEquals(0, manager.heldBytes());
    }
}
