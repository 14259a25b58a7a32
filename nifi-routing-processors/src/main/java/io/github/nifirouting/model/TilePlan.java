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
     * The largest tile shape that fits the limits, with origin blocks of at most {@code requestedOrigins}.
     * The origin block shrinks only when the limits cannot take one destination beside it; the destination
     * block then takes whatever the limits leave, so each request is as full as the engine allows.
     */
    public static TilePlan fit(final int requestedOrigins, final MatrixLimits limits) {
        if (requestedOrigins < 1) {
            throw new IllegalArgumentException("origin block size must be positive: " + requestedOrigins);
        }
        final long originCap = Math.min(Math.min(requestedOrigins, limits.maxSources()),
                Math.min(limits.maxElements(), (long) limits.maxCoordinates() - 1));
        final int origins = (int) originCap;
        final long destinations = Math.min(Math.min(limits.maxDestinations(), limits.maxElements() / origins),
                (long) limits.maxCoordinates() - origins);
        return new TilePlan(origins, (int) Math.min(Integer.MAX_VALUE, destinations));
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
