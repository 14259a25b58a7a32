package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TileRequestsTest {

    private static CoordinateBlock block(final String prefix, final int size) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(size);
        for (int i = 0; i < size; i++) {
            builder.add(prefix + i, 47 + i * 0.01, 8);
        }
        return builder.build();
    }

    /** Each cell's duration names its pair, so a misplaced answer shows. */
    private static MatrixResult answer(final CoordinateBlock origins, final CoordinateBlock destinations) {
        final double[] durations = new double[origins.size() * destinations.size()];
        for (int r = 0; r < origins.size(); r++) {
            for (int c = 0; c < destinations.size(); c++) {
                durations[r * destinations.size() + c] = Integer.parseInt(origins.id(r).substring(1)) * 1000
                        + Integer.parseInt(destinations.id(c).substring(1));
            }
        }
        return MatrixResult.of(origins.size(), destinations.size(), durations, durations.clone());
    }

    @Test
    void aTileIsCutIntoRequestsThatFitAndEveryPairArrivesOnce() throws Exception {
        final CoordinateBlock origins = block("o", 7);
        final CoordinateBlock destinations = block("d", 23);
        final List<int[]> shapes = new ArrayList<>();
        final Set<String> pairs = new HashSet<>();
        final long requests = TileRequests.route(origins, destinations, MatrixLimits.ofElements(12), TileRequestsTest::answer,
                (o, d, part) -> {
                    shapes.add(new int[]{o.size(), d.size()});
                    for (int r = 0; r < o.size(); r++) {
                        for (int c = 0; c < d.size(); c++) {
                            final String pair = o.id(r) + ">" + d.id(c);
                            assertEquals(Integer.parseInt(o.id(r).substring(1)) * 1000 + Integer.parseInt(d.id(c).substring(1)),
                                    part.durationSeconds(r, c), 0, pair);
                            assertTrue(pairs.add(pair), pair + " twice");
                        }
                    }
                });
        assertEquals(7 * 23, pairs.size());
        assertEquals(shapes.size(), requests);
        assertTrue(shapes.stream().allMatch(shape -> (long) shape[0] * shape[1] <= 12));
    }

    @Test
    void anUnlimitedEngineStillGetsBoundedRequests() throws Exception {
        final CoordinateBlock origins = block("o", 3);
        final CoordinateBlock destinations = block("d", 400_001);
        final List<Long> sizes = new ArrayList<>();
        TileRequests.route(origins, destinations, MatrixLimits.UNLIMITED, TileRequestsTest::answer,
                (o, d, part) -> sizes.add((long) o.size() * d.size()));
        assertTrue(sizes.size() > 1, "1.2M pairs are not held at once");
        assertTrue(sizes.stream().allMatch(size -> size <= TileRequests.MAX_PAIRS_PER_REQUEST), sizes.toString());
        assertEquals(3L * 400_001, sizes.stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void anAnswerOfTheWrongShapeIsATransientFailure() {
        final RoutingException e = assertThrows(RoutingException.class, () -> TileRequests.route(block("o", 2), block("d", 2),
                MatrixLimits.UNLIMITED, (o, d) -> answer(o, d.slice(0, 1)), (o, d, part) -> { }));
        assertEquals(RoutingException.Kind.TRANSIENT, e.kind());
    }
}
