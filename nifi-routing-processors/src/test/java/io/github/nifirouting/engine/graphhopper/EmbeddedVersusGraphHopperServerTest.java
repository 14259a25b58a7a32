package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.GraphHopperServer;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.testsupport.RelativeDifferences;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded engine's matrix against the real GraphHopper server's {@code /route} on the same extract, with the same
 * car profile (custom model, encoded values, no turn costs): for random pairs both must find the same travel times.
 * Both snap a point to the nearest edge of the car network's main component and run an exact shortest-path search on
 * the same weighting, so the answers agree to the millisecond rounding of the server's times, as long as both get the
 * same coordinates (a point almost equidistant from two roads snaps to the other one when moved by 0.1 m, so the server
 * gets full double precision, not the usual 6 decimals). A point farther than the embedded engine's Max Snap Distance is
 * unroutable there but routed by the server, which has no such limit.
 */
@ExtendWith(GraphHopperServer.OnAndorra.class)
class EmbeddedVersusGraphHopperServerTest {

    private static final int POINTS = 40;
    private static final int SAMPLE = 200;

    @TempDir
    Path dir;

    @Test
    void embeddedDurationsEqualTheServersRoutes(final GraphHopperServer server) throws Exception {
        final CoordinateBlock origins = RoadGraphTest.points("o", POINTS, 11);
        final CoordinateBlock destinations = RoadGraphTest.points("d", POINTS, 12);
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final EmbeddedGraphHopperEngine embedded = new EmbeddedGraphHopperEngine();
        runner.addControllerService("embedded", embedded);
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, dir.resolve("graphs").toString());
        runner.enableControllerService(embedded);
        final MatrixResult matrix;
        try {
            matrix = embedded.computeMatrix(origins, destinations);
        } finally {
            runner.disableControllerService(embedded);
        }

        final RelativeDifferences durations = new RelativeDifferences();
        final RelativeDifferences distances = new RelativeDifferences();
        final Random random = new Random(13);
        int embeddedOnly = 0;
        int serverOnly = 0;
        int neither = 0;
        int samePoint = 0;
        try (HttpClient client = HttpClient.newHttpClient()) {
            for (int i = 0; i < SAMPLE; i++) {
                final int r = random.nextInt(POINTS);
                final int c = random.nextInt(POINTS);
                final GraphHopperServer.Route route = server.route(client, origins.latitude(r), origins.longitude(r), destinations.latitude(c),
                        destinations.longitude(c));
                final boolean routable = matrix.isRoutable(r, c);
                if (!route.found()) {
                    assertEquals(400, route.status(), route.message());
                    neither += routable ? 0 : 1;
                    embeddedOnly += routable ? 1 : 0;
                } else if (!routable) {
                    serverOnly++;
                } else if (route.seconds() == 0) {
                    samePoint++;
                    assertEquals(0, matrix.durationSeconds(r, c), 0.001, "both snap to the same place");
                } else {
                    durations.add(route.seconds(), matrix.durationSeconds(r, c));
                    distances.add(route.meters(), matrix.distanceMeters(r, c));
                }
            }
        }
        System.out.printf("embedded vs GraphHopper server /route, Andorra car, %d random pairs: compared %d, same point %d, routed by the "
                        + "server only %d (a point beyond Max Snap Distance 1000 m), embedded only %d, neither %d%n  durations %s%n  distances %s%n",
                SAMPLE, durations.count(), samePoint, serverOnly, embeddedOnly, neither, durations, distances);
        assertTrue(durations.count() >= SAMPLE / 4, "enough routable pairs: " + durations.count());
        assertEquals(0, embeddedOnly, "the server finds every route the embedded engine finds");
        // Same graph, same weighting, same coordinates, exact searches: the server's millisecond times are the only difference.
        assertTrue(durations.max() < 0.001, "durations " + durations);
        assertTrue(distances.max() < 0.001, "distances " + distances);
    }

    /** A processor for NiFi's test runner to hold the service. */
    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }
}
