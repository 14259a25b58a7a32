package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

    @Test
    void withARequestAheadEveryPairStillArrivesOnceAndInOrder() throws Exception {
        final CoordinateBlock origins = block("o", 9);
        final CoordinateBlock destinations = block("d", 31);
        final List<String> order = new ArrayList<>();
        final List<String> expected = new ArrayList<>();
        TileRequests.route(origins, destinations, MatrixLimits.ofElements(20), TileRequestsTest::answer,
                (o, d, part) -> expected.add(o.id(0) + ">" + d.id(0)));
        try (RequestsAhead ahead = RequestsAhead.start(1, "test")) {
            final long requests = TileRequests.route(origins, destinations, MatrixLimits.ofElements(20), TileRequestsTest::answer,
                    (o, d, part) -> {
                        order.add(o.id(0) + ">" + d.id(0));
                        assertEquals(Integer.parseInt(o.id(0).substring(1)) * 1000 + Integer.parseInt(d.id(0).substring(1)),
                                part.durationSeconds(0, 0), 0);
                    }, ahead);
            assertEquals(expected, order);
            assertEquals(expected.size(), requests);
        }
    }

    @Test
    void theNextRequestIsWithTheEngineWhileTheCurrentAnswerIsConsumedButNeverTwoAtOnce() throws Exception {
        final CountDownLatch secondRequestStarted = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger inRouter = new AtomicInteger();
        final AtomicInteger mostInRouter = new AtomicInteger();
        final TileRequests.BlockRouter router = (o, d) -> {
            mostInRouter.accumulateAndGet(inRouter.incrementAndGet(), Math::max);
            try {
                if (calls.incrementAndGet() == 2) {
                    secondRequestStarted.countDown();
                }
                return answer(o, d);
            } finally {
                inRouter.decrementAndGet();
            }
        };
        final List<Boolean> overlapped = new ArrayList<>();
        final long requests;
        try (RequestsAhead ahead = RequestsAhead.start(1, "test")) {
            requests = TileRequests.route(block("o", 3), block("d", 4), MatrixLimits.ofElements(4), router,
                    (o, d, part) -> {
                        if (overlapped.isEmpty()) { // the first answer: the second request must start before it is consumed
                            overlapped.add(awaitQuietly(secondRequestStarted));
                        }
                    }, ahead);
        }
        assertEquals(List.of(true), overlapped, "second request sent while the first answer was consumed");
        assertTrue(requests > 2, "several requests");
        assertEquals(requests, calls.get());
        assertEquals(1, mostInRouter.get(), "one router call at a time");
    }

    @Test
    void whenTheConsumerFailsTheRequestAheadEndsBeforeTheFailureIsThrown() throws Exception {
        final AtomicInteger finished = new AtomicInteger();
        final TileRequests.BlockRouter slowRouter = (o, d) -> {
            try {
                Thread.sleep(100);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.incrementAndGet();
            return answer(o, d);
        };
        try (RequestsAhead ahead = RequestsAhead.start(1, "test")) {
            final IOException e = assertThrows(IOException.class, () -> TileRequests.route(block("o", 2), block("d", 2), MatrixLimits.ofElements(2),
                    slowRouter, (o, d, part) -> {
                        throw new IOException("disk full");
                    }, ahead));
            assertEquals("disk full", e.getMessage());
            assertEquals(2, finished.get(), "the request ahead was waited for");
        }
    }

    @Test
    void aFailedRequestAheadFailsTheTileAfterTheAnswerBeforeIt() throws Exception {
        final AtomicInteger calls = new AtomicInteger();
        final List<Integer> consumed = new ArrayList<>();
        try (RequestsAhead ahead = RequestsAhead.start(1, "test")) {
            final RoutingException e = assertThrows(RoutingException.class, () -> TileRequests.route(block("o", 3), block("d", 1),
                    MatrixLimits.ofElements(1), (o, d) -> {
                        if (calls.incrementAndGet() == 2) {
                            throw new RoutingException(RoutingException.Kind.REJECTED, "NoSegment");
                        }
                        return answer(o, d);
                    }, (o, d, part) -> consumed.add(Integer.parseInt(o.id(0).substring(1))), ahead));
            assertEquals(RoutingException.Kind.REJECTED, e.kind());
            assertEquals(List.of(0), consumed);
            assertEquals(2, calls.get(), "no request after the failed one");
        }
    }

    @Test
    void theNextTilesRequestIsWithTheEngineWhileTheLastAnswerOfATileIsConsumed() throws Exception {
        final CountDownLatch secondTileAsked = new CountDownLatch(1);
        final List<String> events = new ArrayList<>();
        final TileRequests.BlockRouter first = TileRequestsTest::answer;
        final TileRequests.BlockRouter second = (o, d) -> {
            secondTileAsked.countDown();
            return answer(o, d);
        };
        try (RequestsAhead ahead = RequestsAhead.start(1, "test")) {
            TileRequests.routeTiles(List.of(new TileRequests.Tile(block("o", 2), block("d", 2), MatrixLimits.UNLIMITED, first),
                    new TileRequests.Tile(block("p", 0), block("d", 2), MatrixLimits.UNLIMITED, first),
                    new TileRequests.Tile(block("q", 3), block("d", 2), MatrixLimits.UNLIMITED, second)), ahead, new TileRequests.TileConsumer() {
                @Override
                public void accept(final int tile, final CoordinateBlock o, final CoordinateBlock d, final MatrixResult part) {
                    events.add("accept " + tile + (tile == 0 ? " overlapped=" + awaitQuietly(secondTileAsked) : ""));
                }

                @Override
                public void completed(final int tile) {
                    events.add("completed " + tile);
                }

                @Override
                public boolean failed(final int tile, final Exception failure) {
                    events.add("failed " + tile);
                    return true;
                }
            });
        }
        assertEquals(List.of("accept 0 overlapped=true", "completed 0", "completed 1", "accept 2", "completed 2"), events,
                "one request per tile, the third tile's sent while the first's answer was written; the empty tile completes in order");
    }

    private static boolean awaitQuietly(final CountDownLatch latch) {
        try {
            return latch.await(20, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
