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
     * request is sent on one of its threads while the consumer takes the current answer (answers still reach the consumer in
     * order, and the router is never called twice at once). If the consumer or a shape check fails, the request ahead is
     * waited for (its answer dropped) before the failure is thrown, so nothing of this tile runs on after the call.
     *
     * @param ahead null: sequential, one answer held at a time
     */
    public static long route(final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixLimits limits,
                             final BlockRouter router, final Consumer consumer, final RequestsAhead ahead) throws RoutingException, IOException {
        final int rows = origins.size();
        final int columns = destinations.size();
        if (rows == 0 || columns == 0) {
            return 0;
        }
        final MatrixLimits requestLimits = limits.intersect(MatrixLimits.ofElements(MAX_PAIRS_PER_REQUEST));
        final TilePlan plan = requestLimits.fits(rows, columns) ? new TilePlan(rows, columns) : TilePlan.fit(rows, requestLimits);
        final List<Request> requests = new ArrayList<>();
        for (int rowStart = 0; rowStart < rows; rowStart += plan.originBlockSize()) {
            final CoordinateBlock requestOrigins = origins.slice(rowStart, Math.min(plan.originBlockSize(), rows - rowStart));
            for (int columnStart = 0; columnStart < columns; columnStart += plan.destinationBlockSize()) {
                requests.add(new Request(requestOrigins, destinations.slice(columnStart, Math.min(plan.destinationBlockSize(), columns - columnStart))));
            }
        }
        Answer next = Answer.ask(requests.get(0), router, ahead);
        try {
            for (int index = 0; index < requests.size(); index++) {
                final Request request = requests.get(index);
                final MatrixResult part = next.await();
                next = index + 1 < requests.size() ? Answer.ask(requests.get(index + 1), router, ahead) : null;
                if (part.rows() != request.origins().size() || part.columns() != request.destinations().size()) {
                    throw new RoutingException(RoutingException.Kind.TRANSIENT, "engine answered a " + part.rows() + " x " + part.columns()
                            + " matrix for a " + request.origins().size() + " x " + request.destinations().size() + " request");
                }
                consumer.accept(request.origins(), request.destinations(), part);
            }
        } finally {
            if (next != null) {
                next.drain();
            }
        }
        return requests.size();
    }

    private record Request(CoordinateBlock origins, CoordinateBlock destinations) {
    }

    /** One request's answer: computed when awaited (sequential), or already on its way on a thread ahead. */
    private static final class Answer {
        private final Request request;
        private final BlockRouter router;
        private final CompletableFuture<MatrixResult> future;

        private Answer(final Request request, final BlockRouter router, final CompletableFuture<MatrixResult> future) {
            this.request = request;
            this.router = router;
            this.future = future;
        }

        static Answer ask(final Request request, final BlockRouter router, final RequestsAhead ahead) {
            if (ahead == null) {
                return new Answer(request, router, null);
            }
            final CompletableFuture<MatrixResult> future = new CompletableFuture<>();
            try {
                ahead.executor().execute(() -> {
                    try {
                        future.complete(router.route(request.origins(), request.destinations()));
                    } catch (final Throwable failure) {
                        future.completeExceptionally(failure);
                    }
                });
            } catch (final RejectedExecutionException stopping) {
                return new Answer(request, router, null); // the processor is stopping: finish this tile on the caller's thread
            }
            return new Answer(request, router, future);
        }

        MatrixResult await() throws RoutingException {
            if (future == null) {
                return router.route(request.origins(), request.destinations());
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
