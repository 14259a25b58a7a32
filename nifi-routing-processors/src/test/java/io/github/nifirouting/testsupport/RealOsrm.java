package io.github.nifirouting.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real osrm-routed (the prebuilt OSRM v6.0.0 in {@code shared/tools/osrm} beside the checkout) serving one OSM file
 * with the car profile and contraction hierarchies on 127.0.0.1 at a free port, for comparisons; stopped on close.
 */
public final class RealOsrm implements AutoCloseable {

    private final Process server;
    private final int port;
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    private RealOsrm(final Process server, final int port) {
        this.server = server;
        this.port = port;
    }

    /** Extracts and contracts {@code osmFile} in {@code workDir}, then starts osrm-routed; skips the test if OSRM is not there. */
    public static RealOsrm start(final Path osmFile, final Path workDir) throws IOException, InterruptedException {
        final Path tools = findTools();
        final Path input = Files.copy(osmFile, workDir.resolve(osmFile.getFileName()));
        final String base = input.getFileName().toString().replaceAll("\\.osm(\\.pbf)?$", "");
        run(workDir, tools.resolve("bin/osrm-extract").toString(), "-p", tools.resolve("profiles/car.lua").toString(), input.toString());
        run(workDir, tools.resolve("bin/osrm-contract").toString(), workDir.resolve(base + ".osrm").toString());
        final int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        final Process server = new ProcessBuilder(tools.resolve("bin/osrm-routed").toString(), "--algorithm", "ch", "--ip", "127.0.0.1",
                "--port", Integer.toString(port), "--max-table-size", "10000", workDir.resolve(base + ".osrm").toString())
                .redirectErrorStream(true).start();
        final BufferedReader log = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = log.readLine()) != null && !line.contains("running and waiting for requests")) {
            // wait until ready
        }
        if (line == null) {
            server.destroy();
            throw new IOException("osrm-routed exited before it was ready");
        }
        Thread.ofVirtual().start(() -> {
            try {
                while (log.readLine() != null) {
                    // drain so the server never blocks on its log
                }
            } catch (final IOException ignored) {
                // the server stopped
            }
        });
        return new RealOsrm(server, port);
    }

    private static Path findTools() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            final Path candidate = dir.resolve("shared/tools/osrm");
            if (Files.isExecutable(candidate.resolve("bin/osrm-routed"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        Assumptions.abort("OSRM not found in shared/tools/osrm beside the checkout");
        return null;
    }

    private static void run(final Path workDir, final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(List.of(command)).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("osrm-prepare.log").toFile()).start();
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(command[0] + " failed, see " + workDir.resolve("osrm-prepare.log"));
        }
    }

    /** One {@code /table/v1/driving} request: durations and distances with each point's snap distance. */
    public MatrixResult table(final CoordinateBlock sources, final CoordinateBlock destinations) throws IOException, InterruptedException {
        final StringBuilder url = new StringBuilder("http://127.0.0.1:").append(port).append("/table/v1/driving/");
        final StringBuilder sourceIndexes = new StringBuilder();
        final StringBuilder destinationIndexes = new StringBuilder();
        for (int i = 0; i < sources.size(); i++) {
            url.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.6f,%.6f", sources.longitude(i), sources.latitude(i)));
            sourceIndexes.append(i == 0 ? "" : ";").append(i);
        }
        for (int i = 0; i < destinations.size(); i++) {
            url.append(';').append(String.format(Locale.ROOT, "%.6f,%.6f", destinations.longitude(i), destinations.latitude(i)));
            destinationIndexes.append(i == 0 ? "" : ";").append(sources.size() + i);
        }
        url.append("?sources=").append(sourceIndexes).append("&destinations=").append(destinationIndexes).append("&annotations=duration,distance");
        final HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(url.toString())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        final JsonNode answer = mapper.readTree(response.body());
        if (!"Ok".equals(answer.path("code").asText())) {
            throw new IOException("OSRM answered " + answer.path("code").asText() + ": " + answer.path("message").asText());
        }
        final int rows = sources.size();
        final int columns = destinations.size();
        final double[] durations = MatrixResult.nanArray(rows * columns);
        final double[] distances = MatrixResult.nanArray(rows * columns);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                final JsonNode duration = answer.get("durations").get(r).get(c);
                final JsonNode distance = answer.get("distances").get(r).get(c);
                durations[r * columns + c] = duration.isNull() ? Double.NaN : duration.asDouble();
                distances[r * columns + c] = distance.isNull() ? Double.NaN : distance.asDouble();
            }
        }
        final double[] sourceSnaps = new double[rows];
        final double[] destinationSnaps = new double[columns];
        for (int r = 0; r < rows; r++) {
            sourceSnaps[r] = answer.get("sources").get(r).path("distance").asDouble();
        }
        for (int c = 0; c < columns; c++) {
            destinationSnaps[c] = answer.get("destinations").get(c).path("distance").asDouble();
        }
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
    }

    @Override
    public void close() throws InterruptedException {
        server.destroy();
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }
}
