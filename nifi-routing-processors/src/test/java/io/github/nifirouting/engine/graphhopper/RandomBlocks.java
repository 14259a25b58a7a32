package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.model.CoordinateBlock;

import java.util.Random;

/** Coordinate blocks for the engine benchmarks: uniform random points in a box, and the first points of a block. */
final class RandomBlocks {

    private RandomBlocks() {
    }

    /** {@code count} points {@code p0..}, uniformly random in the box, the same for the same seed. */
    static CoordinateBlock uniform(final long seed, final int count, final double minLat, final double maxLat, final double minLon,
                                   final double maxLon) {
        final Random random = new Random(seed);
        final CoordinateBlock.Builder points = new CoordinateBlock.Builder(count);
        for (int i = 0; i < count; i++) {
            points.add("p" + i, minLat + random.nextDouble() * (maxLat - minLat), minLon + random.nextDouble() * (maxLon - minLon));
        }
        return points.build();
    }

    /** The first {@code count} points of {@code points}. */
    static CoordinateBlock first(final CoordinateBlock points, final int count) {
        final CoordinateBlock.Builder block = new CoordinateBlock.Builder(count);
        for (int i = 0; i < count; i++) {
            block.add(points.id(i), points.latitude(i), points.longitude(i));
        }
        return block.build();
    }
}
