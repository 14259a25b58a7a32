package io.github.nifirouting.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the real OpenStreetMap extracts in {@code shared/osm} beside the checkout (never copied into the repository).
 * In CI ({@code CI=true}) a missing file fails the test; elsewhere the test is skipped.
 */
public final class OsmExtracts {

    private OsmExtracts() {
    }

    public static Path require(final String name) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            final Path candidate = dir.resolve("shared").resolve("osm").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        final String message = "OSM extract " + name + " not found in shared/osm beside the checkout";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: tests on real networks must run)");
        }
        Assumptions.abort(message);
        return null;
    }
}
