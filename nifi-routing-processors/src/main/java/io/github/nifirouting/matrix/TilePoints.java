package io.github.nifirouting.matrix;

import io.github.nifirouting.model.CoordinateBlock;

import java.util.List;

/**
 * The origins and destinations of one tile: valid points in flat blocks, plus the ids of records whose point
 * was invalid, so their pairs can still be written (with a status) and nothing is silently lost.
 */
public record TilePoints(CoordinateBlock origins, CoordinateBlock destinations, List<String> invalidOrigins, List<String> invalidDestinations) {

    /** Pairs the tile accounts for: every origin record with every destination record. */
    public long pairCount() {
        return (long) (origins.size() + invalidOrigins.size()) * (destinations.size() + invalidDestinations.size());
    }
}
