package io.github.nifirouting.model;

/**
 * How a set of origins and destinations is cut into O-D tiles that each fit an engine's {@link MatrixLimits}.
 * Origins are cut into blocks of {@code originBlockSize}; destinations into blocks of {@code destinationBlockSize};
 * one tile is one origin block x one destination block.
 */
public record TilePlan(int originBlockSize, int destinationBlockSize) {

    public TilePlan {
        if (originBlockSize < 1 || destinationBlockSize < 1) {
            throw new IllegalArgumentException("block sizes must be positive: " + originBlockSize + " x " + destinationBlockSize);
        }
    }

    /**
     * The tile shape with the most pairs per request that fits the limits, with origin blocks of at most
     * {@code requestedOrigins}. When only elements are limited the origin block is the requested one and the
     * destinations take the rest; when the coordinate count also binds (e.g. OSRM's URL length), a balanced
     * shape wins: 100 x 100 fills a 10,000-element request where 265 x 1 would waste it.
     */
    public static TilePlan fit(final int requestedOrigins, final MatrixLimits limits) {
        if (requestedOrigins < 1) {
            throw new IllegalArgumentException("origin block size must be positive: " + requestedOrigins);
        }
        final long maxOrigins = Math.max(1, Math.min(Math.min(requestedOrigins, limits.maxSources()),
                Math.min(limits.maxElements(), (long) limits.maxCoordinates() - 1)));
        final long[] candidates = {maxOrigins, (long) Math.floor(Math.sqrt((double) limits.maxElements())), limits.maxCoordinates() / 2L,
                limits.maxElements() / Math.max(1, limits.maxDestinations())};
        long bestOrigins = 1;
        long bestPairs = 0;
        for (final long candidate : candidates) {
            final long origins = Math.max(1, Math.min(candidate, maxOrigins));
            final long pairs = origins * destinationsFor(origins, limits);
            if (pairs > bestPairs || pairs == bestPairs && origins > bestOrigins) {
                bestPairs = pairs;
                bestOrigins = origins;
            }
        }
        return new TilePlan((int) bestOrigins, (int) Math.max(1, Math.min(Integer.MAX_VALUE, destinationsFor(bestOrigins, limits))));
    }

    /**
     * The shape of a tile sized by work, not by one request: up to {@code maxPairs} pairs, origin blocks of at most
     * {@code requestedOrigins}, within {@code tileLimits} (the user's explicit per-tile limits). With {@code engineLimits},
     * both block sizes are rounded down to whole multiples of the engine's request shape (when at least one request
     * fits), so every request the routing processor cuts from a full tile is a full request.
     */
    public static TilePlan sizedByWork(final int requestedOrigins, final long maxPairs, final MatrixLimits tileLimits,
                                       final MatrixLimits engineLimits) {
        if (maxPairs < 1) {
            throw new IllegalArgumentException("pairs per tile must be positive: " + maxPairs);
        }
        final MatrixLimits work = tileLimits.intersect(new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, maxPairs, Integer.MAX_VALUE));
        final TilePlan tile = fit(requestedOrigins, work);
        if (engineLimits == null) {
            return tile;
        }
        final TilePlan request = fit(tile.originBlockSize(), engineLimits);
        return new TilePlan(roundDown(tile.originBlockSize(), request.originBlockSize()),
                roundDown(tile.destinationBlockSize(), request.destinationBlockSize()));
    }

    private static int roundDown(final int size, final int multiple) {
        return size >= multiple ? size / multiple * multiple : size;
    }

    private static long destinationsFor(final long origins, final MatrixLimits limits) {
        return Math.min(Math.min(limits.maxDestinations(), limits.maxElements() / origins), (long) limits.maxCoordinates() - origins);
    }

    public static int blockCount(final long points, final int blockSize) {
        return (int) ((points + blockSize - 1) / blockSize);
    }

    public int originBlocks(final long origins) {
        return blockCount(origins, originBlockSize);
    }

    public int destinationBlocks(final long destinations) {
        return blockCount(destinations, destinationBlockSize);
    }

    public long maxElementsPerTile() {
        return (long) originBlockSize * destinationBlockSize;
    }
}
