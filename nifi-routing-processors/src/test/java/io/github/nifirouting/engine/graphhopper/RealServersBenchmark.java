package io.github.nifirouting.engine.graphhopper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.GraphHopperServer;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.testsupport.RelativeDifferences;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The embedded engine beside the real GraphHopper server and, when {@code ../shared/tools/osrm} is there, a real
 * osrm-routed (CH), on Andorra with the same random points: pairs per second of each and the relative differences of
 * their durations against the embedded engine's.
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=RealServersBenchmark -Dbenchmark.xmx=512m</pre>
 * The GraphHopper server has no matrix endpoint, so it answers one {@code GET /route} per pair (keep-alive, one client
 * thread); OSRM answers {@code GET /table} for the whole 100 x 100; the embedded engine one matrix call.
 */
@Tag("benchmark")
@ExtendWith(GraphHopperServer.OnAndorra.class)
class RealServersBenchmark {

    private static final int SIZE = 100;
    private static final int ROUTE_PAIRS = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void embeddedBesideGraphHopperServerAndOsrm(final GraphHopperServer server) throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        final CoordinateBlock origins = RoadGraphTest.points("o", SIZE, 1);
        final CoordinateBlock destinations = RoadGraphTest.points("d", SIZE, 2);
        System.out.printf("%nAndorra, car, %d x %d random points (RoadGraphTest.points seeds 1 and 2); GraphHopper server started "
                + "(JVM + import + Jetty) in %,d ms%n", SIZE, SIZE, server.startMillis());
        System.out.printf("%-44s %12s %12s%n", "engine", "pairs", "pairs/s");

        try (RoadGraph network = RoadGraph.open(andorra, RoadGraph.Mode.CAR, dir.resolve("graphs"), 1000, false)) {
            compare(server, network, andorra, origins, destinations);
        }
    }

    private void compare(final GraphHopperServer server, final RoadGraph network, final Path andorra, final CoordinateBlock origins,
                         final CoordinateBlock destinations) throws Exception {
        final MatrixResult embedded;
        network.matrix(RoadGraphTest.points("w", 50, 99), RoadGraphTest.points("v", 50, 98)); // warm-up
        long start = System.nanoTime();
        final int repetitions = 5;
        MatrixResult last = null;
        for (int i = 0; i < repetitions; i++) {
            last = network.matrix(origins, destinations);
        }
        embedded = last;
        row("embedded, one 100 x 100 matrix", repetitions * SIZE * SIZE, System.nanoTime() - start);
        start = System.nanoTime();
        for (int i = 0; i < ROUTE_PAIRS; i++) {
            network.matrix(origins.slice(i % SIZE, 1), destinations.slice(i / SIZE % SIZE, 1));
        }
        row("embedded, one 1 x 1 matrix per pair", ROUTE_PAIRS, System.nanoTime() - start);

        final RelativeDifferences serverDurations = new RelativeDifferences();
        int serverOnly = 0;
        try (HttpClient client = HttpClient.newHttpClient()) {
            for (int i = 0; i < 200; i++) { // warm-up
                server.route(client, origins.latitude(i % SIZE), origins.longitude(i % SIZE), destinations.latitude(0), destinations.longitude(0));
            }
            start = System.nanoTime();
            for (int i = 0; i < ROUTE_PAIRS; i++) {
                final int r = i % SIZE;
                final int c = i / SIZE % SIZE;
                final GraphHopperServer.Route route = server.route(client, origins.latitude(r), origins.longitude(r), destinations.latitude(c),
                        destinations.longitude(c));
                if (route.found() && embedded.isRoutable(r, c) && route.seconds() > 0) {
                    serverDurations.add(route.seconds(), embedded.durationSeconds(r, c));
                } else if (route.found() && !embedded.isRoutable(r, c)) {
                    serverOnly++;
                }
            }
            row("GraphHopper server 11.0, GET /route per pair", ROUTE_PAIRS, System.nanoTime() - start);
        }

        final Path osrm = osrmTools();
        RelativeDifferences osrmDurations = null;
        if (osrm == null) {
            System.out.println("OSRM: ../shared/tools/osrm not found, skipped");
        } else {
            osrmDurations = osrmTable(osrm, andorra, origins, destinations, embedded, network);
        }
        System.out.printf("durations, embedded vs GraphHopper server /route: %s (%d pairs routed by the server only: a point beyond Max Snap "
                + "Distance)%n", serverDurations, serverOnly);
        if (osrmDurations != null) {
            System.out.printf("durations, embedded vs OSRM /table, all pairs routed by both: %s%n", osrmDurations);
        }
    }

    private static void row(final String engine, final long pairs, final long nanos) {
        System.out.printf("%-44s %,12d %,12.0f%n", engine, pairs, pairs / (nanos / 1e9));
    }

    private static Path osrmTools() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            final Path candidate = dir.resolve("shared").resolve("tools").resolve("osrm");
            if (Files.isExecutable(candidate.resolve("bin").resolve("osrm-routed"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        return null;
    }

    /** Prepares the extract for OSRM (car.lua, CH), serves it on 127.0.0.1, times /table and compares it with the embedded matrix. */
    private RelativeDifferences osrmTable(final Path osrm, final Path andorra, final CoordinateBlock origins, final CoordinateBlock destinations,
                                          final MatrixResult embedded, final RoadGraph network) throws Exception {
        final Path work = Files.createDirectories(dir.resolve("osrm"));
        final Path pbf = Files.copy(andorra, work.resolve("andorra.osm.pbf"));
        run(work, osrm.resolve("bin/osrm-extract").toString(), "-p", osrm.resolve("profiles/car.lua").toString(), pbf.toString());
        run(work, osrm.resolve("bin/osrm-contract").toString(), work.resolve("andorra.osrm").toString());
        final int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        final Path log = work.resolve("osrm-routed.log");
        final Process routed = new ProcessBuilder(osrm.resolve("bin/osrm-routed").toString(), "--algorithm", "ch", "--ip", "127.0.0.1", "--port",
                String.valueOf(port), "--max-table-size", "1000", work.resolve("andorra.osrm").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("running and waiting for requests")) {
                if (!routed.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("osrm-routed did not start:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
            final HttpRequest request = tableRequest(port, origins, destinations);
            client.send(request, HttpResponse.BodyHandlers.ofByteArray()); // warm-up
            final int repetitions = 20;
            final long start = System.nanoTime();
            byte[] body = null;
            for (int i = 0; i < repetitions; i++) {
                body = client.send(request, HttpResponse.BodyHandlers.ofByteArray()).body();
            }
            row("OSRM v6.0.0 CH, GET /table 100 x 100", (long) repetitions * origins.size() * destinations.size(), System.nanoTime() - start);
            final JsonNode answer = JSON.readTree(body);
            final RelativeDifferences differences = differences(answer, embedded, origins.size(), destinations.size());
            // The same pairs moved onto OSRM's roads (its waypoint locations): what is left is the two profiles, not snapping.
            final CoordinateBlock snappedOrigins = located(answer.path("sources"), "o");
            final CoordinateBlock snappedDestinations = located(answer.path("destinations"), "d");
            final JsonNode snappedAnswer = JSON.readTree(client.send(tableRequest(port, snappedOrigins, snappedDestinations),
                    HttpResponse.BodyHandlers.ofByteArray()).body());
            final MatrixResult snappedEmbedded = network.matrix(snappedOrigins, snappedDestinations);
            double embeddedSnap = 0;
            for (int i = 0; i < snappedOrigins.size(); i++) {
                embeddedSnap = Math.max(embeddedSnap, snappedEmbedded.sourceSnapMeters(i));
            }
            System.out.printf("durations, embedded vs OSRM /table on the same points moved onto OSRM's roads (largest embedded snap of an "
                    + "origin %.0f m): %s%n", embeddedSnap, differences(snappedAnswer, snappedEmbedded, snappedOrigins.size(), snappedDestinations.size()));
            return differences;
        } finally {
            routed.destroy();
            if (!routed.waitFor(10, TimeUnit.SECONDS)) {
                routed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static HttpRequest tableRequest(final int port, final CoordinateBlock origins, final CoordinateBlock destinations) {
        final StringBuilder url = new StringBuilder("http://127.0.0.1:" + port + "/table/v1/driving/");
        for (final CoordinateBlock block : List.of(origins, destinations)) {
            for (int i = 0; i < block.size(); i++) {
                url.append(String.format(Locale.ROOT, "%.6f,%.6f;", block.longitude(i), block.latitude(i)));
            }
        }
        url.setLength(url.length() - 1);
        url.append("?sources=0");
        for (int i = 1; i < origins.size(); i++) {
            url.append(';').append(i);
        }
        url.append("&destinations=").append(origins.size());
        for (int i = 1; i < destinations.size(); i++) {
            url.append(';').append(origins.size() + i);
        }
        url.append("&annotations=duration,distance");
        return HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(60)).build();
    }

    private static RelativeDifferences differences(final JsonNode osrm, final MatrixResult embedded, final int rows, final int columns) {
        final RelativeDifferences differences = new RelativeDifferences();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                final JsonNode cell = osrm.path("durations").path(r).path(c);
                if (embedded.isRoutable(r, c) && cell.isNumber() && cell.asDouble() > 0) {
                    differences.add(cell.asDouble(), embedded.durationSeconds(r, c));
                }
            }
        }
        return differences;
    }

    private static CoordinateBlock located(final JsonNode waypoints, final String prefix) {
        final CoordinateBlock.Builder block = new CoordinateBlock.Builder(waypoints.size());
        for (int i = 0; i < waypoints.size(); i++) {
            final JsonNode location = waypoints.path(i).path("location");
            block.add(prefix + i, location.path(1).asDouble(), location.path(0).asDouble());
        }
        return block.build();
    }

    private static void run(final Path workDir, final String... command) throws IOException, InterruptedException {
        final Path log = workDir.resolve("prepare.log");
        final Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
    }
}
