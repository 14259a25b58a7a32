package io.github.nifirouting.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real open-source GraphHopper server ({@code com.graphhopper:graphhopper-web}, the version of the embedded engine's
 * graphhopper-core) in its own JVM on 127.0.0.1, importing an OSM extract with the car profile configured exactly as the
 * embedded engine's car mode (GraphHopper's {@code car.json} custom model, the same encoded values, ignored highways and
 * turn costs, no CH or LM), so both route on the same graph with the same weighting.
 * <p>
 * The shaded jar bundles Dropwizard, Jetty, Jackson and graphhopper-core unrelocated, so it cannot share the test
 * classpath: Maven copies it to {@code target/graphhopper-server} (system property {@code graphhopper.web.jar}) and this
 * class starts it with the running JDK's {@code java}. Both connectors bind port 0; the ports are read from Jetty's
 * {@code Started application@...{127.0.0.1:PORT}} log lines, then {@code /health} is polled. {@link #close()} stops the
 * process (and a shutdown hook does, should the test JVM end first).
 */
public final class GraphHopperServer implements AutoCloseable {

    private static final Pattern STARTED = Pattern.compile("Started (application|admin)@\\S+\\{HTTP/1\\.1[^}]*}\\{127\\.0\\.0\\.1:(\\d+)}");
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Thread shutdownHook;
    private final Path log;
    private final URI baseUrl;
    private final long startMillis;

    private GraphHopperServer(final Process process, final Thread shutdownHook, final Path log, final URI baseUrl, final long startMillis) {
        this.process = process;
        this.shutdownHook = shutdownHook;
        this.log = log;
        this.baseUrl = baseUrl;
        this.startMillis = startMillis;
    }

    /**
     * The server jar Maven copied for the tests. Outside Maven (no property, no file) the test is skipped with a message,
     * except with {@code CI=true}, where it fails.
     */
    public static Path requireJar() {
        final String property = System.getProperty("graphhopper.web.jar");
        final Path jar = property == null || property.isBlank() ? Path.of("target", "graphhopper-server", "graphhopper-web.jar") : Path.of(property);
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        final String message = "GraphHopper server jar not found at " + jar.toAbsolutePath()
                + "; run the tests through Maven (the maven-dependency-plugin copies com.graphhopper:graphhopper-web there)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: tests on real servers must run)");
        }
        Assumptions.abort(message);
        return null;
    }

    /**
     * Imports {@code osmFile} into {@code workDir/graph} and serves it; returns once {@code /health} answers OK.
     *
     * @param maxHeap the server JVM's -Xmx, e.g. "256m"
     */
    public static GraphHopperServer start(final Path osmFile, final Path workDir, final String maxHeap) throws IOException, InterruptedException {
        final Path jar = requireJar();
        Files.createDirectories(workDir);
        final Path config = workDir.resolve("config.yml");
        Files.writeString(config, config(osmFile.toAbsolutePath(), workDir.resolve("graph").toAbsolutePath()));
        final Path log = workDir.resolve("server.log");
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-XX:+UseSerialGC", "-jar", jar.toAbsolutePath().toString(), "server", config.toString()));
        final long start = System.nanoTime();
        final Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        final Thread hook = new Thread(process::destroyForcibly, "stop GraphHopper server " + process.pid());
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            final int port = awaitPort(process, log);
            final URI baseUrl = URI.create("http://127.0.0.1:" + port);
            awaitHealthy(process, log, baseUrl);
            return new GraphHopperServer(process, hook, log, baseUrl, (System.nanoTime() - start) / 1_000_000);
        } catch (final IOException | InterruptedException | RuntimeException | Error e) {
            stop(process);
            Runtime.getRuntime().removeShutdownHook(hook);
            throw e;
        }
    }

    /**
     * The embedded engine's car mode (RoadGraph.Mode.CAR) as GraphHopper server configuration: the same encoded values,
     * custom model and turn costs (OSM restrictions for motor vehicles, U-turns 60 s), so both search the same weighting.
     */
    private static String config(final Path osmFile, final Path graphLocation) {
        return String.format(Locale.ROOT, """
                graphhopper:
                  datareader.file: "%s"
                  graph.location: "%s"
                  graph.encoded_values: car_access|block_private=false, car_average_speed, road_access
                  import.osm.ignored_highways: footway,cycleway,path,pedestrian,steps
                  graph.dataaccess.default_type: RAM_STORE
                  profiles:
                    - name: car
                      turn_costs:
                        vehicle_types: [motorcar, motor_vehicle]
                        u_turn_costs: 60
                      custom_model_files: [car.json]
                  profiles_ch: []
                  profiles_lm: []
                server:
                  application_connectors:
                    - type: http
                      bind_host: 127.0.0.1
                      port: 0
                  admin_connectors:
                    - type: http
                      bind_host: 127.0.0.1
                      port: 0
                  request_log:
                    appenders: []
                logging:
                  level: INFO
                """, osmFile, graphLocation);
    }

    private static int awaitPort(final Process process, final Path log) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        int application = -1;
        boolean admin = false;
        while (System.nanoTime() < deadline) {
            final Matcher matcher = STARTED.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
            while (matcher.find()) {
                if ("application".equals(matcher.group(1))) {
                    application = Integer.parseInt(matcher.group(2));
                } else {
                    admin = true;
                }
            }
            if (application > 0 && admin) {
                return application;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("GraphHopper server exited with " + process.exitValue() + ":\n" + tail(log));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("GraphHopper server did not start within " + STARTUP_TIMEOUT + ":\n" + tail(log));
    }

    private static void awaitHealthy(final Process process, final Path log, final URI baseUrl) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String last = "";
            while (System.nanoTime() < deadline && process.isAlive()) {
                try {
                    final HttpResponse<String> health = client.send(HttpRequest.newBuilder(baseUrl.resolve("/health")).timeout(Duration.ofSeconds(10))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (health.statusCode() == 200) {
                        return;
                    }
                    last = health.statusCode() + " " + health.body();
                } catch (final IOException e) {
                    last = e.toString();
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("GraphHopper server at " + baseUrl + " not healthy (" + last + "):\n" + tail(log));
        }
    }

    private static String tail(final Path log) throws IOException {
        final String text = Files.readString(log, StandardCharsets.ISO_8859_1);
        return text.substring(Math.max(0, text.length() - 4000));
    }

    private static void stop(final Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** One route as the server answers {@code GET /route} (first path), or why there is none. */
    public record Route(int status, double seconds, double meters, String message) {
        public boolean found() {
            return status == 200;
        }
    }

    /**
     * {@code GET /route?point=..&point=..&profile=car&calc_points=false&instructions=false}: travel time and distance
     * only, as the matrix has them. A 400 (a point the server cannot snap, no route) comes back with its message.
     */
    public Route route(final HttpClient client, final double fromLat, final double fromLon, final double toLat, final double toLon)
            throws IOException, InterruptedException {
        // Coordinates at full double precision, as the embedded engine gets them: rounded to 6 decimals (0.1 m) a point
        // almost equidistant from two roads can snap to the other one (seen on Andorra: 28.0 s instead of 35.1 s).
        final URI uri = baseUrl.resolve("/route?point=" + fromLat + "," + fromLon + "&point=" + toLat + "," + toLon
                + "&profile=car&calc_points=false&instructions=false");
        final HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        final JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            return new Route(response.statusCode(), Double.NaN, Double.NaN, body.path("message").asText());
        }
        final JsonNode path = body.path("paths").path(0);
        return new Route(200, path.path("time").asLong() / 1000.0, path.path("distance").asDouble(), null);
    }

    public URI baseUrl() {
        return baseUrl;
    }

    /** From starting the JVM to the first healthy answer: JVM start, import of the extract, Jetty start. */
    public long startMillis() {
        return startMillis;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        stop(process);
        final Path graph = log.resolveSibling("graph");
        if (Files.isDirectory(graph)) {
            try (Stream<Path> files = Files.walk(graph)) {
                for (final Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (final IllegalStateException shuttingDown) {
            // the JVM is already shutting down and runs the hook itself
        }
    }

    /**
     * Gives tests ({@code @ExtendWith(GraphHopperServer.OnAndorra.class)}, a {@code GraphHopperServer} parameter) one server
     * on Andorra for the whole test run, however many test classes ask for it: started on first use, stopped by JUnit when
     * the run ends (it is kept in the root context's store). One JVM start and one import instead of one per class.
     */
    public static final class OnAndorra implements ParameterResolver {
        @Override
        public boolean supportsParameter(final ParameterContext parameter, final ExtensionContext context) {
            return parameter.getParameter().getType() == GraphHopperServer.class;
        }

        @Override
        public Object resolveParameter(final ParameterContext parameter, final ExtensionContext context) {
            return andorra(context);
        }
    }

    private static GraphHopperServer andorra(final ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(GraphHopperServer.class))
                .getOrComputeIfAbsent("andorra", key -> {
                    try {
                        final Path workDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "graphhopper-server-");
                        return new Shared(start(OsmExtracts.require("andorra.osm.pbf"), workDir, "256m"));
                    } catch (final IOException e) {
                        throw new IllegalStateException(e);
                    } catch (final InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }, Shared.class).server();
    }

    private record Shared(GraphHopperServer server) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Throwable {
            server.close();
        }
    }
}
