package io.github.nifirouting.example;

import io.github.nifirouting.engine.graphhopper.RoadGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The bounding box of an OSM extract's road graph (imported once into a temporary cache). */
final class OsmBounds {

    private OsmBounds() {
    }

    /** @return minLat, minLon, maxLat, maxLon */
    static double[] of(final Path osm) throws IOException {
        try (RoadGraph network = RoadGraph.open(osm, RoadGraph.Mode.CAR, Files.createTempDirectory("bounds"), 1000, false)) {
            final var bounds = network.bounds();
            return new double[]{bounds.minLat, bounds.minLon, bounds.maxLat, bounds.maxLon};
        }
    }
}
