package io.github.nifirouting.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TilePlanTest {

    @Test
    void elementLimitKeepsTheRequestedOriginBlock() {
        final TilePlan plan = TilePlan.fit(100, MatrixLimits.ofElements(10_000));
        assertEquals(100, plan.originBlockSize());
        assertEquals(100, plan.destinationBlockSize());
        final TilePlan wide = TilePlan.fit(20, MatrixLimits.ofElements(10_000));
        assertEquals(20, wide.originBlockSize());
        assertEquals(500, wide.destinationBlockSize());
    }

    @Test
    void coordinateLimitBalancesTheShape() {
        // OSRM with max-table-size 100 and an 8000-character URL: about 266 coordinates per request.
        final MatrixLimits osrm = new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, 10_000, 266);
        final TilePlan plan = TilePlan.fit(500, osrm);
        assertEquals(10_000, plan.maxElementsPerTile(), plan.toString());
        assertTrue(osrm.fits(plan.originBlockSize(), plan.destinationBlockSize()));
    }

    @Test
    void perSideLimitsAreRespected() {
        final TilePlan plan = TilePlan.fit(1000, new MatrixLimits(80, 80, 6400, Integer.MAX_VALUE));
        assertEquals(80, plan.originBlockSize());
        assertEquals(80, plan.destinationBlockSize());
        final TilePlan tiny = TilePlan.fit(1000, MatrixLimits.ofElements(1));
        assertEquals(1, tiny.originBlockSize());
        assertEquals(1, tiny.destinationBlockSize());
        assertEquals(3, TilePlan.blockCount(250, 100));
    }

    @Test
    void tilesSizedByWorkIgnoreTheRequestLimitButAlignToIt() {
        // 1M pairs per tile, origin chunks of 100: 100 x 10,000 whatever OSRM's 100 x 100 requests.
        final TilePlan tile = TilePlan.sizedByWork(100, 1_000_000, MatrixLimits.UNLIMITED, null);
        assertEquals(100, tile.originBlockSize());
        assertEquals(10_000, tile.destinationBlockSize());
        // Rounded down to whole requests of an engine answering 30 x 30 at most (900 elements): 90 x 11,100 -> every request full.
        final TilePlan aligned = TilePlan.sizedByWork(100, 1_000_000, MatrixLimits.UNLIMITED, new MatrixLimits(30, 30, 900, Integer.MAX_VALUE));
        assertEquals(90, aligned.originBlockSize());
        assertEquals(9_990, aligned.destinationBlockSize());
        // Explicit per-tile limits still narrow the tile.
        final TilePlan narrowed = TilePlan.sizedByWork(100, 1_000_000, MatrixLimits.ofElements(40), null);
        assertEquals(40, narrowed.maxElementsPerTile());
    }
}
