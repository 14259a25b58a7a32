package io.github.nifirouting.accessibility;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 2SFCA's first pass on disk, with the hand-computed ratios of ScoreAccessibilityTest's matrix (catchment 600 s). */
class TwoStepRunStoreTest {

    @TempDir
    Path dir;

    private static AccessibilityScorer.SupplyDemand supplyDemand(final Object... destinationSupplyDemand) {
        final AccessibilityScorer.SupplyDemand partial = new AccessibilityScorer.SupplyDemand();
        for (int i = 0; i < destinationSupplyDemand.length; i += 3) {
            partial.add((String) destinationSupplyDemand[i], ((Number) destinationSupplyDemand[i + 1]).doubleValue(),
                    ((Number) destinationSupplyDemand[i + 2]).doubleValue());
        }
        return partial;
    }

    @Test
    void ratiosAreFixedOnceEveryTileIsCountedAndSurviveARestart() throws Exception {
        final TwoStepRunStore store = new TwoStepRunStore(dir);
        // tile 0: origin a (population 100) to d1 (120 s) and d2 (480 s); tile 1: origin b (50) to d1 (700 s, outside) and d2 (60 s)
        assertEquals(TwoStepRunStore.Outcome.COUNTED, store.count("run", 3, 0, "ff-0", supplyDemand("d1", 10, 100, "d2", 20, 100)).outcome());
        assertNull(store.ratios("run"), "a tile is missing");
        assertEquals(TwoStepRunStore.Outcome.COUNTED, store.count("run", 3, 1, "ff-1", supplyDemand("d1", 10, 0, "d2", 20, 50)).outcome());

        final TwoStepRunStore restarted = new TwoStepRunStore(dir);
        assertEquals("2 of 3 tiles counted", restarted.progress("run"));
        assertEquals(TwoStepRunStore.Outcome.ALREADY_COUNTED, restarted.count("run", 3, 1, "ff-1", supplyDemand("d2", 20, 50)).outcome(),
                "the same FlowFile after a crash before its session committed is not counted twice");
        assertEquals(TwoStepRunStore.Outcome.DUPLICATE, restarted.count("run", 3, 1, "ff-other", supplyDemand("d2", 20, 50)).outcome());
        assertEquals(TwoStepRunStore.Outcome.MISMATCH, restarted.count("run", 4, 2, "ff-2", supplyDemand("d3", 30, 0)).outcome());
        assertEquals(TwoStepRunStore.Outcome.COUNTED, restarted.count("run", 3, 2, "ff-2", supplyDemand("d3", 30, 0)).outcome());
        final Map<String, Double> ratios = restarted.ratios("run");
        assertEquals(0.1, ratios.get("d1"), 1e-12);
        assertEquals(20.0 / 150, ratios.get("d2"), 1e-12);
        assertEquals(0.0, ratios.get("d3"), "no demand within the catchment");
        assertEquals(ratios, new TwoStepRunStore(dir).ratios("run"));
    }

    @Test
    void theRunFileGoesWhenEveryTileIsDoneAndAFailureSticks() throws Exception {
        final TwoStepRunStore store = new TwoStepRunStore(dir);
        store.count("done", 2, 0, "a", supplyDemand("d1", 1, 1));
        store.count("done", 2, 1, "b", supplyDemand("d1", 1, 1));
        store.done("done", List.of(0));
        assertTrue(store.knows("done"));
        store.done("done", List.of(1));
        assertFalse(store.knows("done"));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }

        store.count("bad", 2, 0, "a", supplyDemand("d1", 1, 1));
        store.fail("bad", 2, "tile 1 has a bad row: row 3: no destination_id");
        final TwoStepRunStore restarted = new TwoStepRunStore(dir);
        assertEquals("tile 1 has a bad row: row 3: no destination_id", restarted.failure("bad"));
        assertEquals(TwoStepRunStore.Outcome.FAILED, restarted.count("bad", 2, 1, "b", supplyDemand("d1", 1, 1)).outcome());
        assertNull(restarted.ratios("bad"));
    }
}
