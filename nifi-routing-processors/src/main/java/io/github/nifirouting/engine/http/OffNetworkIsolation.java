package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.OffNetworkPointsException;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

import java.util.Arrays;
import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * Keeps one point an engine cannot place from failing a whole matrix: when the engine refuses a request for its points
 * ({@link OffNetworkPointsException}), the points it names are left out and the rest is asked again, until the engine
 * answers; the points left out are marked off-network in the assembled result. An engine that does not say which point
 * it refused has each point of the request asked alone (a 1 x 1 matrix of the point to itself) to find them.
 */
final class OffNetworkIsolation {

    /** One matrix request through the engine's transport and resilience. */
    @FunctionalInterface
    interface MatrixCall {
        MatrixResult compute(CoordinateBlock sources, CoordinateBlock destinations) throws RoutingException;
    }

    private OffNetworkIsolation() {
    }

    static MatrixResult route(final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixCall call) throws RoutingException {
        try {
            return call.compute(sources, destinations);
        } catch (final OffNetworkPointsException first) {
            return isolate(sources, destinations, call, first);
        }
    }

    private static MatrixResult isolate(final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixCall call,
                                        final OffNetworkPointsException first) throws RoutingException {
        final BitSet offSources = new BitSet(sources.size());
        final BitSet offDestinations = new BitSet(destinations.size());
        int[] keptSources = IntStream.range(0, sources.size()).toArray();
        int[] keptDestinations = IntStream.range(0, destinations.size()).toArray();
        OffNetworkPointsException refusal = first;
        // Every round removes at least one point, so the loop ends after at most all points.
        while (true) {
            final int before = offSources.cardinality() + offDestinations.cardinality();
            if (refusal.namesPoints()) {
                mark(refusal.sources(), keptSources, offSources, refusal);
                mark(refusal.destinations(), keptDestinations, offDestinations, refusal);
            } else {
                probe(sources, keptSources, offSources, call);
                probe(destinations, keptDestinations, offDestinations, call);
            }
            if (offSources.cardinality() + offDestinations.cardinality() == before) {
                throw refusal;
            }
            keptSources = kept(keptSources, offSources);
            keptDestinations = kept(keptDestinations, offDestinations);
            if (keptSources.length == 0 || keptDestinations.length == 0) {
                return assemble(sources.size(), destinations.size(), null, keptSources, keptDestinations, offSources, offDestinations);
            }
            try {
                final MatrixResult part = call.compute(subset(sources, keptSources), subset(destinations, keptDestinations));
                return assemble(sources.size(), destinations.size(), part, keptSources, keptDestinations, offSources, offDestinations);
            } catch (final OffNetworkPointsException next) {
                refusal = next;
            }
        }
    }

    /** Marks the named request-local indexes (into {@code kept}) as off-network. */
    private static void mark(final int[] named, final int[] kept, final BitSet off, final OffNetworkPointsException refusal)
            throws RoutingException {
        for (final int index : named) {
            if (index < 0 || index >= kept.length) {
                throw new RoutingException(RoutingException.Kind.REJECTED, refusal.getMessage() + " (names point " + index + " of a request of "
                        + kept.length + ")");
            }
            off.set(kept[index]);
        }
    }

    private static void probe(final CoordinateBlock points, final int[] kept, final BitSet off, final MatrixCall call) throws RoutingException {
        for (final int index : kept) {
            final CoordinateBlock alone = points.slice(index, 1);
            try {
                call.compute(alone, alone);
            } catch (final OffNetworkPointsException e) {
                off.set(index);
            }
        }
    }

    private static int[] kept(final int[] kept, final BitSet off) {
        return Arrays.stream(kept).filter(i -> !off.get(i)).toArray();
    }

    private static CoordinateBlock subset(final CoordinateBlock block, final int[] indexes) {
        if (indexes.length == block.size()) {
            return block;
        }
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(indexes.length);
        for (final int index : indexes) {
            builder.add(block.id(index), block.latitude(index), block.longitude(index));
        }
        return builder.build();
    }

    /** The full matrix: the answer for the kept points in place, NaN and off-network marks for the others. */
    private static MatrixResult assemble(final int rows, final int columns, final MatrixResult part, final int[] keptSources,
                                         final int[] keptDestinations, final BitSet offSources, final BitSet offDestinations) {
        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        final BitSet estimated = new BitSet();
        if (part != null) {
            for (int i = 0; i < keptSources.length; i++) {
                sourceSnaps[keptSources[i]] = part.sourceSnapMeters(i);
                for (int j = 0; j < keptDestinations.length; j++) {
                    final int cell = keptSources[i] * columns + keptDestinations[j];
                    durations[cell] = part.durationSeconds(i, j);
                    distances[cell] = part.distanceMeters(i, j);
                    if (part.isEstimated(i, j)) {
                        estimated.set(cell);
                    }
                }
            }
            for (int j = 0; j < keptDestinations.length; j++) {
                destinationSnaps[keptDestinations[j]] = part.destinationSnapMeters(j);
            }
        }
        // Points of the side that was never asked (the other side was all off-network) stay unmarked: nothing is known of them.
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps, offSources, offDestinations, estimated);
    }
}
