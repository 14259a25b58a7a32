package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.TilePlan;

import java.io.IOException;

/**
 * Cuts a tile, whatever its size, into requests that fit an engine's limits ({@link TilePlan#fit}) and hands each
 * answer to a consumer as soon as it arrives, so memory is one request, not the tile. Requests go origin block by
 * origin block, and within one origin block destination block by destination block.
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
        final int rows = origins.size();
        final int columns = destinations.size();
        if (rows == 0 || columns == 0) {
            return 0;
        }
        final MatrixLimits requestLimits = limits.intersect(MatrixLimits.ofElements(MAX_PAIRS_PER_REQUEST));
        final TilePlan plan = requestLimits.fits(rows, columns) ? new TilePlan(rows, columns) : TilePlan.fit(rows, requestLimits);
        long blocks = 0;
        for (int rowStart = 0; rowStart < rows; rowStart += plan.originBlockSize()) {
            final CoordinateBlock requestOrigins = origins.slice(rowStart, Math.min(plan.originBlockSize(), rows - rowStart));
            for (int columnStart = 0; columnStart < columns; columnStart += plan.destinationBlockSize()) {
                final CoordinateBlock requestDestinations = destinations.slice(columnStart,
                        Math.min(plan.destinationBlockSize(), columns - columnStart));
                final MatrixResult part = router.route(requestOrigins, requestDestinations);
                if (part.rows() != requestOrigins.size() || part.columns() != requestDestinations.size()) {
                    throw new RoutingException(RoutingException.Kind.TRANSIENT, "engine answered a " + part.rows() + " x " + part.columns()
                            + " matrix for a " + requestOrigins.size() + " x " + requestDestinations.size() + " request");
                }
                consumer.accept(requestOrigins, requestDestinations, part);
                blocks++;
            }
        }
        return blocks;
    }
}
