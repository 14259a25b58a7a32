package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;

/**
 * The whole origins x destinations matrix of a tile. {@link #of} asks an engine in as many requests as its limits need;
 * decorators add behaviour around another router ({@link CachedMatrixRouter#around}), so a processor holds one router
 * and does not branch on what is configured.
 */
@FunctionalInterface
public interface MatrixRouter {

    MatrixResult route(CoordinateBlock origins, CoordinateBlock destinations, CallStats stats) throws RoutingException;

    /** The engine's matrix, split into requests by its limits ({@link TileMatrixRouter}). */
    static MatrixRouter of(final RoutingEngineService engine) {
        return of(engine, MatrixOptions.NONE);
    }

    /** The engine's matrix with a processor's per-request {@code options} (e.g. its Max Snap Distance), split by its limits for them. */
    static MatrixRouter of(final RoutingEngineService engine, final MatrixOptions options) {
        return (origins, destinations, stats) -> TileMatrixRouter.route(engine, origins, destinations, options, stats);
    }
}
