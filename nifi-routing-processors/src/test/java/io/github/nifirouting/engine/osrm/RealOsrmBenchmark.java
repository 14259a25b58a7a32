package io.github.nifirouting.engine.osrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.tiling.TileAttributes;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.testsupport.RealOsrm;
import org.apache.nifi.util.MockFlowFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Figures on a real osrm-routed (v6.0.0, Andorra, car, CH, --max-table-size 1000) started by the benchmark. Run with:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=RealOsrmBenchmark -Dbenchmark.xmx=512m</pre>
 */
@Tag("benchmark")
class RealOsrmBenchmark {

    @TempDir
    Path dir;

    /**
     * Pairs/s of ChunkCoordinates' tiles through InvokeRoutingMatrix with the Parquet writer, beside a plain GET loop
     * over the same tiles on the same server (reading each answer's bytes, no parsing), and the fill ratio.
     */
    @Test
    void processorBesidePlainTableLoop() throws Exception {
        RealOsrmConformanceTest.dir = dir;
        final Path home = RealOsrm.require();
        final Path osrm = RealOsrm.prepare(home, OsmExtracts.require("andorra.osm.pbf"), dir);
        try (RealOsrm server = RealOsrm.start(home, osrm, 1000)) {
            System.out.printf("%nInvokeRoutingMatrix (Parquet writer) beside a plain /table GET loop, real osrm-routed --max-table-size 1000, %d CPUs%n",
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("%12s %6s %12s %16s %16s %8s %8s%n", "tile", "tiles", "pairs", "processor pairs/s", "plain pairs/s", "ratio", "fill");
            // warm-up of both paths (JIT, connections, server caches)
            measure(server, 100, 300, 100, false);
            measure(server, 1000, 1000, 1000, true);
            measure(server, 100, 2000, 100, true);
            measure(server, 1000, 3000, 1000, true);
        }
    }

    private static void measure(final RealOsrm server, final int tableSize, final int origins, final int destinations, final boolean print)
            throws Exception {
        final List<double[]> originPoints = RealOsrmConformanceTest.randomPoints("o", origins, 11);
        final List<double[]> destinationPoints = RealOsrmConformanceTest.randomPoints("d", destinations, 12);
        final RealOsrmConformanceTest.Run run = RealOsrmConformanceTest.route(server, "bench" + tableSize, originPoints, destinationPoints,
                Map.of(OsrmRoutingEngine.MAX_TABLE_SIZE.getName(), String.valueOf(tableSize)), false);
        assertEquals(0, run.failed, () -> "tiles failed: " + run.errors);
        final long pairs = (long) origins * destinations;
        final HttpClient http = HttpClient.newHttpClient();
        final long start = System.nanoTime();
        long bytes = 0;
        for (final MockFlowFile tile : run.tileFlowFiles) {
            final int originOffset = Integer.parseInt(tile.getAttribute(TileAttributes.ORIGIN_OFFSET));
            final int originSize = Integer.parseInt(tile.getAttribute(TileAttributes.ORIGIN_SIZE));
            final int destinationOffset = Integer.parseInt(tile.getAttribute(TileAttributes.DESTINATION_OFFSET));
            final int destinationSize = Integer.parseInt(tile.getAttribute(TileAttributes.DESTINATION_SIZE));
            final String url = plainUrl(server, originPoints.subList(originOffset, originOffset + originSize),
                    destinationPoints.subList(destinationOffset, destinationOffset + destinationSize), null);
            final HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode());
            bytes += response.body().length;
        }
        final double plainSeconds = (System.nanoTime() - start) / 1e9;
        if (print) {
            final double processorRate = pairs / run.seconds;
            final double plainRate = pairs / plainSeconds;
            final double fill = (double) tableSize * tableSize / (server.maxTableSize() * (double) server.maxTableSize());
            System.out.printf(Locale.ROOT, "%12s %6d %,12d %,16.0f %,16.0f %8.2f %8.2f   (%.1f MB of JSON in the plain loop, %d requests by the processor)%n",
                    tableSize + " x " + tableSize, run.tiles, pairs, processorRate, plainRate, processorRate / plainRate, fill, bytes / 1048576.0, run.requests);
        }
    }

    static String plainUrl(final RealOsrm server, final List<double[]> origins, final List<double[]> destinations, final List<String> destinationHints) {
        final String url = server.tableUrl(origins, destinations);
        // no hint for the origins (new every request), the cached hints of the destination block
        return destinationHints == null ? url : url + "&hints=" + ";".repeat(origins.size()) + String.join(";", destinationHints);
    }

    /**
     * What OSRM hints save when the same destination block is asked with a new origin chunk each time: time per request
     * with and without the destination block's hints (taken from one earlier answer), alternating, same requests.
     */
    @Test
    void destinationHintsSavings() throws Exception {
        final Path home = RealOsrm.require();
        final Path osrm = RealOsrm.prepare(home, OsmExtracts.require("andorra.osm.pbf"), dir);
        final HttpClient http = HttpClient.newHttpClient();
        final ObjectMapper mapper = new ObjectMapper();
        try (RealOsrm server = RealOsrm.start(home, osrm, 1000)) {
            System.out.printf("%nOSRM hints for a repeated destination block (real osrm-routed, Andorra CH), median of 40 requests each%n");
            System.out.printf("%14s %14s %14s %10s %14s%n", "origins x dest", "without ms", "with hints ms", "saved", "URL KB (with)");
            for (final int[] shape : new int[][]{{100, 100}, {100, 100}, {250, 250}, {500, 100}, {100, 500}}) {
                final List<double[]> destinations = RealOsrmConformanceTest.randomPoints("d", shape[1], 21);
                final HttpResponse<byte[]> first = http.send(HttpRequest.newBuilder(URI.create(plainUrl(server, destinations.subList(0, 1), destinations, null)
                        .replace("&generate_hints=false", ""))).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                final List<String> hints = new ArrayList<>();
                for (final JsonNode waypoint : mapper.readTree(first.body()).get("destinations")) {
                    hints.add(waypoint.get("hint").asText());
                }
                final double[] without = new double[40];
                final double[] with = new double[40];
                int urlLength = 0;
                for (int i = 0; i < 40; i++) {
                    final List<double[]> origins = RealOsrmConformanceTest.randomPoints("o", shape[0], 100 + i);
                    without[i] = time(http, plainUrl(server, origins, destinations, null));
                    final String hinted = plainUrl(server, origins, destinations, hints);
                    urlLength = hinted.length();
                    with[i] = time(http, hinted);
                }
                Arrays.sort(without);
                Arrays.sort(with);
                System.out.printf(Locale.ROOT, "%14s %14.2f %14.2f %9.0f%% %14.1f%n", shape[0] + " x " + shape[1], without[20], with[20],
                        100 * (without[20] - with[20]) / without[20], urlLength / 1024.0);
            }
        }
    }

    private static double time(final HttpClient http, final String url) throws Exception {
        final long start = System.nanoTime();
        final HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), () -> new String(response.body(), 0, Math.min(200, response.body().length)));
        return (System.nanoTime() - start) / 1e6;
    }
}
