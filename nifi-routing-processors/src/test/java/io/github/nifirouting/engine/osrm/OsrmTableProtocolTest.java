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
            builder.add("p" + i, -89.999999, -179.999999);
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
            assertTrue(urlLength(protocol, baseUrl, 1, coordinates) > 8000, "one more coordinate would not fit");
            System.out.printf("OSRM Max URL Length 8000 with base %s: %d coordinates per request%n", base, coordinates);
        }
        final OsrmTableProtocol protocol = new OsrmTableProtocol("driving");
        assertEquals(297, protocol.maxCoordinates(URI.create("http://osrm:5000"), 8000));
        assertTrue(protocol.maxCoordinates(URI.create("http://osrm:5000"), 32_000) > 1000);
    }
}
