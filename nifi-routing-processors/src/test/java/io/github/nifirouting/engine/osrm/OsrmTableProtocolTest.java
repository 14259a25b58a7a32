package io.github.nifirouting.engine.osrm;

import io.github.nifirouting.model.CoordinateBlock;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OsrmTableProtocolTest {

    /** Points whose text is as long as coordinates get: -179.999999,-89.999999. */
    private static CoordinateBlock worstCase(final int count) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(count);
        for (int i = 0; i < count; i++) {
            // alternating extremes: the longest plain text and long polyline deltas with escaped characters
            builder.add("p" + i, i % 2 == 0 ? -89.999999 : 89.999999, i % 2 == 0 ? -179.999999 : 179.999999);
        }
        return builder.build();
    }

    private static int urlLength(final OsrmTableProtocol protocol, final URI base, final int sources, final int destinations) {
        final CoordinateBlock points = worstCase(sources + destinations);
        return protocol.matrixRequest(base, points.slice(0, sources), points.slice(sources, destinations)).build().uri().toString().length();
    }

    @Test
    void maxCoordinatesKeepsEveryRequestUnderTheUrlLimit() {
        for (final String base : new String[]{"http://osrm:5000", "https://routing.example.internal:8443/osrm/eu-west/v5/"}) {
            final OsrmTableProtocol protocol = new OsrmTableProtocol("driving");
            final URI baseUrl = URI.create(base);
            final int coordinates = protocol.maxCoordinates(baseUrl, 8000);
            for (final int sources : new int[]{1, coordinates / 2, coordinates - 1}) {
                final int length = urlLength(protocol, baseUrl, sources, coordinates - sources);
                assertTrue(length <= 8000, base + ": " + sources + " + " + (coordinates - sources) + " coordinates make " + length + " chars");
                assertTrue(length <= protocol.maxUrlLength(baseUrl, coordinates), "the bound holds: " + length);
            }
            assertTrue(protocol.maxUrlLength(baseUrl, coordinates + 1) > 8000, "one more coordinate would not fit");
            System.out.printf("OSRM Max URL Length 8000 with base %s: %d coordinates per request%n", base, coordinates);
        }
        final OsrmTableProtocol protocol = new OsrmTableProtocol("driving");
        assertEquals(296, protocol.maxCoordinates(URI.create("http://osrm:5000"), 8000));
        assertTrue(protocol.maxCoordinates(URI.create("http://osrm:5000"), 65_536) >= 2000, "the default fits a 1000 x 1000 table");
        final OsrmTableProtocol withRadius = new OsrmTableProtocol("driving", new OsrmTableProtocol.Options(500, 5, "snapped", true));
        final int coordinates = withRadius.maxCoordinates(URI.create("http://osrm:5000"), 8000);
        final int length = urlLength(withRadius, URI.create("http://osrm:5000"), coordinates / 2, coordinates - coordinates / 2);
        assertTrue(length <= 8000 && length <= withRadius.maxUrlLength(URI.create("http://osrm:5000"), coordinates), "radiuses counted: " + length);
    }

    @Test
    void polyline6RoundTripsAndIsUrlSafe() {
        final CoordinateBlock points = CoordinateBlock.of(new String[]{"a", "b", "c", "d"}, new double[]{42.51, 42.52, -89.999999, 89.999999},
                new double[]{1.52, 1.53, -179.999999, 179.999999});
        final String encoded = Polyline6.encode(points);
        final java.net.URI uri = java.net.URI.create("http://x/" + encoded);
        final double[][] decoded = io.github.nifirouting.testsupport.OsrmCoordinates.polyline6(
                java.net.URLDecoder.decode(uri.getRawPath().substring(1), java.nio.charset.StandardCharsets.UTF_8));
        for (int i = 0; i < points.size(); i++) {
            assertEquals(points.latitude(i), decoded[0][i], 1e-9);
            assertEquals(points.longitude(i), decoded[1][i], 1e-9);
        }
        // Google's documented example, scaled to 6 decimals: (38.5, -120.2) encodes as _izlhA~rlgdF
        assertEquals("_izlhA~rlgdF", Polyline6.encode(CoordinateBlock.of(new String[]{"x"}, new double[]{38.5}, new double[]{-120.2})));
    }
}
