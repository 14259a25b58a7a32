package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.TilePlan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Cuts a tile, whatever its size, into requests that fit an engine's limits ({@link TilePlan#fit}) and hands each
 * answer to a consumer as soon as it arrives, so memory is one request, not the tile. Requests go origin block by
 * origin block, and within one origin block destination block by destination block; optionally the next request is
 * sent while the current answer is consumed ({@link RequestsAhead}).
 */
public final class TileRequests {

    /**
     * Most pairs held at once, even for an engine without a request limit (the embedded one): a request's answer takes
     * 16 bytes per pair, so 16 MB. Plain records routed against a whole coordinate set are cut to this too.
     */
    public static final long MAX_PAIRS_PER_REQUEST = 1_000_000;

    /** Computes one request-sized block: the engine, or the engine behind a result cache. */
    @FunctionalInterface
    public interface BlockRouter {
        MatrixResult route(CoordinateBlock origins, CoordinateBlock destinations) throws RoutingException;
    }

    /** Receives one request's answer; {@code part} has {@code origins.size()} rows and {@code destinations.size()} columns. */
    @FunctionalInterface
    public interface Consumer {
        void accept(CoordinateBlock origins, CoordinateBlock destinations, MatrixResult part) throws IOException;
    }

    private TileRequests() {
    }

    /** @return the number of blocks routed (requests, before any a cache saved or an engine split further) */
    public static long route(final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixLimits limits,
                             final BlockRouter router, final Consumer consumer) throws RoutingException, IOException {
        return route(origins, destinations, limits, router, consumer, null);
    }

    /**
     * As {@link #route(CoordinateBlock, CoordinateBlock, MatrixLimits, BlockRouter, Consumer)}; with {@code ahead}, each next
     * request is sent on one of its threads while the consumer takes the current answer (see {@link #routeTiles}).
     *
     * @param ahead null: sequential, one answer held at a time
     */
    public static long route(final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixLimits limits,
                             final BlockRouter router, final Consumer consumer, final RequestsAhead ahead) throws RoutingException, IOException {
        final long[] blocks = {0};
        final Exception[] failure = {null};
        routeTiles(List.of(new Tile(origins, destinations, limits, router)), ahead, new TileConsumer() {
            @Override
            public void accept(final int tile, final CoordinateBlock requestOrigins, final CoordinateBlock requestDestinations,
                               final MatrixResult part) throws IOException {
                consumer.accept(requestOrigins, requestDestinations, part);
                blocks[0]++;
            }

            @Override
            public void completed(final int tile) {
            }

            @Override
            public boolean failed(final int tile, final Exception e) {
                failure[0] = e;
                return false;
            }
        });
        if (failure[0] instanceof RoutingException e) {
            throw e;
        } else if (failure[0] instanceof IOException e) {
            throw e;
        } else if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
        return blocks[0];
    }

    /** One tile of a stream: its points, its engine limits and its router (each tile counts its own engine calls). */
    public record Tile(CoordinateBlock origins, CoordinateBlock destinations, MatrixLimits limits, BlockRouter router) {
    }

    /** Receives the answers of a stream of tiles, tile after tile, each tile's answers in request order. */
    public interface TileConsumer {
        void accept(int tile, CoordinateBlock origins, CoordinateBlock destinations, MatrixResult part) throws IOException;

        /** Every answer of {@code tile} was accepted (at once for a tile without pairs). */
        void completed(int tile) throws IOException;

        /**
         * {@code tile} failed: a {@link RoutingException} of the engine, or what {@link #accept}/{@link #completed} threw; it
         * gets no more calls. Returns whether the stream goes on with the next tiles; if not, later tiles get no call at all.
         */
        boolean failed(int tile, Exception failure);
    }

    /**
     * Routes several tiles as one stream of engine-sized requests: with {@code ahead}, the next request (of the same tile
     * or of the next one) is with the engine while the current answer is consumed, so a tile that is a single request
     * (1000 x 1000 against OSRM) still overlaps its writing with the next tile's request. The router of a tile is never
     * called twice at once; a failed tile's remaining requests are not sent, and a request ahead that is no longer wanted
     * is waited for (its answer dropped), so nothing of the stream runs on after the call.
     */
    public static void routeTiles(final List<Tile> tiles, final RequestsAhead ahead, final TileConsumer consumer) {
        final List<Request> requests = new ArrayList<>();
        for (int index = 0; index < tiles.size(); index++) {
            plan(index, tiles.get(index), requests);
        }
        final boolean[] failed = new boolean[tiles.size()];
        int pendingIndex = nextRequest(requests, 0, failed);
        Answer pending = pendingIndex < requests.size() ? Answer.ask(requests.get(pendingIndex), ahead) : null;
        try {
            for (int index = 0; index < requests.size(); index++) {
                final Request request = requests.get(index);
                if (failed[request.tile()]) {
                    continue;
                }
                Exception failure = null;
                if (request.router() != null) {
                    final MatrixResult part;
                    try {
                        part = pending.await();
                        if (part.rows() != request.origins().size() || part.columns() != request.destinations().size()) {
                            throw new RoutingException(RoutingException.Kind.TRANSIENT, "engine answered a " + part.rows() + " x "
                                    + part.columns() + " matrix for a " + request.origins().size() + " x " + request.destinations().size() + " request");
                        }
                    } catch (final RoutingException | RuntimeException e) {
                        failed[request.tile()] = true;
                        pending = null;
                        if (!consumer.failed(request.tile(), e)) {
                            return; // decided before another request is sent (an open circuit would refuse it anyway)
                        }
                        pendingIndex = nextRequest(requests, index + 1, failed);
                        pending = pendingIndex < requests.size() ? Answer.ask(requests.get(pendingIndex), ahead) : null;
                        continue;
                    }
                    // The next request goes out before this answer is consumed: that is the overlap.
                    pendingIndex = nextRequest(requests, index + 1, failed);
                    pending = pendingIndex < requests.size() ? Answer.ask(requests.get(pendingIndex), ahead) : null;
                    try {
                        consumer.accept(request.tile(), request.origins(), request.destinations(), part);
                    } catch (final IOException | RuntimeException e) {
                        failure = e;
                        failed[request.tile()] = true;
                        if (pending != null && requests.get(pendingIndex).tile() == request.tile()) {
                            pending.drain(); // the failed tile's next request: not wanted
                            pendingIndex = nextRequest(requests, pendingIndex + 1, failed);
                            pending = pendingIndex < requests.size() ? Answer.ask(requests.get(pendingIndex), ahead) : null;
                        }
                    }
                }
                if (failure == null && request.lastOfTile()) {
                    try {
                        consumer.completed(request.tile());
                    } catch (final IOException | RuntimeException e) {
                        failure = e;
                        failed[request.tile()] = true;
                    }
                }
                if (failure != null && !consumer.failed(request.tile(), failure)) {
                    return;
                }
            }
        } finally {
            if (pending != null) {
                pending.drain();
            }
        }
    }

    /** A tile's requests, origin block by origin block; a tile without pairs gets one marker without a router. */
    private static void plan(final int index, final Tile tile, final List<Request> requests) {
        final int rows = tile.origins().size();
        final int columns = tile.destinations().size();
        if (rows == 0 || columns == 0) {
            requests.add(new Request(index, null, null, null, true));
            return;
        }
        final MatrixLimits requestLimits = tile.limits().intersect(MatrixLimits.ofElements(MAX_PAIRS_PER_REQUEST));
        final TilePlan plan = requestLimits.fits(rows, columns) ? new TilePlan(rows, columns) : TilePlan.fit(rows, requestLimits);
        for (int rowStart = 0; rowStart < rows; rowStart += plan.originBlockSize()) {
            final CoordinateBlock requestOrigins = tile.origins().slice(rowStart, Math.min(plan.originBlockSize(), rows - rowStart));
            for (int columnStart = 0; columnStart < columns; columnStart += plan.destinationBlockSize()) {
                final int size = Math.min(plan.destinationBlockSize(), columns - columnStart);
                requests.add(new Request(index, requestOrigins, tile.destinations().slice(columnStart, size), tile.router(),
                        rowStart + plan.originBlockSize() >= rows && columnStart + size >= columns));
            }
        }
    }

    /** The first request at or after {@code from} that goes to an engine for a tile that has not failed. */
    private static int nextRequest(final List<Request> requests, final int from, final boolean[] failed) {
        int index = from;
        while (index < requests.size() && (requests.get(index).router() == null || failed[requests.get(index).tile()])) {
            index++;
        }
        return index;
    }

    private record Request(int tile, CoordinateBlock origins, CoordinateBlock destinations, BlockRouter router, boolean lastOfTile) {
    }

    /** One request's answer: computed when awaited (sequential), or already on its way on a thread ahead. */
    private static final class Answer {
        private final Request request;
        private final CompletableFuture<MatrixResult> future;

        private Answer(final Request request, final CompletableFuture<MatrixResult> future) {
            this.request = request;
            this.future = future;
        }

        static Answer ask(final Request request, final RequestsAhead ahead) {
            if (ahead == null) {
                return new Answer(request, null);
            }
            final CompletableFuture<MatrixResult> future = new CompletableFuture<>();
            try {
                ahead.executor().execute(() -> {
                    try {
                        future.complete(request.router().route(request.origins(), request.destinations()));
                    } catch (final Throwable failure) {
                        future.completeExceptionally(failure);
                    }
                });
            } catch (final RejectedExecutionException stopping) {
                return new Answer(request, null); // the processor is stopping: finish this tile on the caller's thread
            }
            return new Answer(request, future);
        }

        MatrixResult await() throws RoutingException {
            if (future == null) {
                return request.router().route(request.origins(), request.destinations());
            }
            try {
                return future.get();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RoutingException(RoutingException.Kind.TRANSIENT, "interrupted while waiting for the engine's answer");
            } catch (final ExecutionException e) {
                final Throwable cause = e.getCause();
                if (cause instanceof RoutingException routing) {
                    throw routing;
                } else if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                } else if (cause instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(cause);
            }
        }

        /** Waits for a request ahead that is no longer wanted, so its router call ends before the tile's. */
        void drain() {
            if (future == null) {
                return;
            }
            try {
                future.get();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (final ExecutionException ignored) {
                // the tile already failed for another reason; this answer is not used
            }
        }
    }
}
