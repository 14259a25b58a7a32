package io.github.nifirouting.testsupport;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real OpenStreetMap extracts committed as test resources under {@code src/test/resources/osm} (ODbL, attribution in
 * the README beside them), so every test runs on a fresh clone. A missing file fails the test: it is never skipped.
 */
public final class OsmExtracts {

    private static final String RESOURCE_DIR = "/osm/";

    private OsmExtracts() {
    }

    /** The extract's file on the test class path, e.g. {@code andorra.osm.pbf} or {@code monaco.osm.pbf}. */
    public static Path require(final String name) {
        final URL resource = OsmExtracts.class.getResource(RESOURCE_DIR + name);
        if (resource == null || !"file".equals(resource.getProtocol())) {
            throw new AssertionError("OSM extract " + name + " is not a file on the test class path under " + RESOURCE_DIR
                    + " (nifi-routing-processors/src/test/resources/osm): " + resource);
        }
        try {
            final Path file = Path.of(resource.toURI());
            if (!Files.isRegularFile(file)) {
                throw new AssertionError("OSM extract " + name + " resolved to " + file + ", which is not a file");
            }
            return file;
        } catch (final URISyntaxException e) {
            throw new AssertionError("OSM extract " + name + ": " + resource, e);
        }
    }
}
