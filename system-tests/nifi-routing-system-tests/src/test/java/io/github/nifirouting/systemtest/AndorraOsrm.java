package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.github.nifirouting.systemtest.NiFiRestClient.JSON;

/**
 * A real osrm-routed v6.0.0 (shared/tools/osrm) on the committed Andorra extract, car profile, contraction hierarchies,
 * for the benchmarks that run a template in a real NiFi: preparing the graph once, starting a server per case on
 * 127.0.0.1 and a free port, pointing a template's "OSRM engine" service at it, and random points in Andorra's box.
 */
final class AndorraOsrm implements AutoCloseable {

    /** South, west, north, east. */
    static final double[] BOX = {42.43, 1.42, 42.65, 1.78};
    /** The template's service name for the OSRM engine, and the processors that select an engine. */
    static final String SERVICE_NAME = "OSRM engine";
    private static final Set<String> ENGINE_USERS = Set.of("ChunkCoordinates", "InvokeRoutingMatrix");

    private final Process process;
    private final String baseUrl;

    private AndorraOsrm(final Process process, final String baseUrl) {
        this.process = process;
        this.baseUrl = baseUrl;
    }

    String baseUrl() {
        return baseUrl;
    }

    /** osrm-routed's directory: system property osrm.home, else OSRM_HOME, else shared/tools/osrm walking up from here. */
    static Path locateHome() {
        final String configured = System.getProperty("osrm.home", System.getenv("OSRM_HOME"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            final Path candidate = dir.resolve("shared").resolve("tools").resolve("osrm");
            if (Files.isExecutable(candidate.resolve("bin").resolve("osrm-routed"))) {
                return candidate;
            }
        }
        throw new AssertionError("no osrm-routed: set -Dosrm.home=<dir with bin/osrm-routed> (shared/tools/osrm)");
    }

    /** osrm-extract (car profile) and osrm-contract (CH) of the Andorra extract in {@code dir}; returns the .osrm base path. */
    static Path prepare(final Path home, final Path dir) throws IOException, InterruptedException {
        final Path extract = NiFiSystemIT.requireOsmExtract("andorra.osm.pbf");
        Files.createDirectories(dir);
        final Path copy = dir.resolve(extract.getFileName());
        Files.copy(extract, copy);
        final Path osrm = dir.resolve("andorra.osrm");
        run(dir, home.resolve("bin/osrm-extract").toString(), "-p", home.resolve("profiles/car.lua").toString(), copy.toString());
        run(dir, home.resolve("bin/osrm-contract").toString(), osrm.toString());
        return osrm;
    }

    /** Starts {@code osrm-routed --algorithm ch --max-table-size N} on 127.0.0.1 and a free port; log in {@code dir}. */
    static AndorraOsrm start(final Path home, final Path osrm, final int maxTableSize, final Path dir) throws Exception {
        Files.createDirectories(dir);
        final int port = NiFiHome.freePort();
        final Path log = dir.resolve("osrm-routed.log");
        final Process process = new ProcessBuilder(List.of(home.resolve("bin/osrm-routed").toString(), "--algorithm", "ch", "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--max-table-size", String.valueOf(maxTableSize), "--verbosity", "WARNING", osrm.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final HttpClient http = HttpClient.newHttpClient();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("osrm-routed exited: " + Files.readString(log));
            }
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nearest/v1/driving/1.52,42.51")).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return new AndorraOsrm(process, "http://127.0.0.1:" + port);
            } catch (final IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IOException("osrm-routed did not answer within 60 s: " + Files.readString(log));
    }

    /**
     * Points the group's "OSRM engine" service at this server (Base URL plus the given properties, e.g. Max Table Size; the
     * rest stays as the template ships it) and selects it as Routing Engine in ChunkCoordinates and InvokeRoutingMatrix.
     * Returns the service id.
     */
    String useIn(final FlowRunner flows, final NiFiRestClient rest, final String groupId, final Map<String, String> serviceProperties) {
        final JsonNode service = flows.services(groupId).stream()
                .filter(s -> SERVICE_NAME.equals(s.path("component").path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no service named " + SERVICE_NAME + " in the template"));
        final String serviceId = service.path("id").asText();
        final ObjectNode serviceUpdate = JSON.createObjectNode();
        serviceUpdate.set("revision", rest.revision(service));
        final ObjectNode serviceComponent = serviceUpdate.putObject("component");
        serviceComponent.put("id", serviceId);
        final ObjectNode properties = serviceComponent.putObject("properties");
        properties.put("Base URL", baseUrl);
        serviceProperties.forEach(properties::put);
        rest.put("/controller-services/" + serviceId, serviceUpdate);
        for (final JsonNode processor : flows.processors(groupId)) {
            if (!ENGINE_USERS.contains(processor.path("component").path("name").asText())) {
                continue;
            }
            rest.updateProcessorConfig(processor, config -> config.putObject("properties").put("Routing Engine", serviceId));
        }
        return serviceId;
    }

    /** {@code count} points with ids {@code prefix0..}, uniformly random in {@link #BOX}, 5 decimals, from {@code seed}. */
    static Map<String, double[]> points(final String prefix, final int count, final long seed) {
        final Random random = new Random(seed);
        final Map<String, double[]> points = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            points.put(prefix + i, new double[]{round5(BOX[0] + random.nextDouble() * (BOX[2] - BOX[0])),
                    round5(BOX[1] + random.nextDouble() * (BOX[3] - BOX[1]))});
        }
        return points;
    }

    /** The points as the templates' CSV input: {@code id,latitude,longitude}. */
    static void writeCsv(final Map<String, double[]> points, final Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file)) {
            out.write("id,latitude,longitude\n");
            for (final Map.Entry<String, double[]> point : points.entrySet()) {
                out.write(String.format(Locale.ROOT, "%s,%.5f,%.5f%n", point.getKey(), point.getValue()[0], point.getValue()[1]));
            }
        }
    }

    private static double round5(final double value) {
        return Math.round(value * 1e5) / 1e5;
    }

    private static void run(final Path dir, final String... command) throws IOException, InterruptedException {
        final Path log = dir.resolve("prepare.log");
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
        }
    }

    /** The osrm-routed process id. */
    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
