package io.github.nifirouting.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real osrm-routed (v6.0.0 from {@code shared/tools/osrm} beside the checkout) serving an extract it prepares in a
 * temporary directory (osrm-extract with the car profile, osrm-contract), on 127.0.0.1 and a free port, stopped by
 * {@link #close()}. Where OSRM lives: system property {@code osrm.home}, else environment {@code OSRM_HOME}, else the
 * first {@code shared/tools/osrm} found walking up from the working directory. When it is missing or cannot run (its
 * Debian runtime packages are missing) the test is skipped, saying how to enable it; with {@code CI=true} it fails.
 */
public final class RealOsrm implements AutoCloseable {

    public static final String RUNTIME_PACKAGES = "libboost-iostreams1.74.0 libboost-program-options1.74.0 libboost-thread1.74.0 "
            + "liblua5.2-0 libtbb12 libexpat1 libbz2-1.0 zlib1g liblzma5 libzstd1";

    private final Process process;
    private final int port;
    private final int maxTableSize;
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    private RealOsrm(final Process process, final int port, final int maxTableSize) {
        this.process = process;
        this.port = port;
        this.maxTableSize = maxTableSize;
    }

    /** The OSRM installation, or a skipped (failed with CI=true) test. */
    public static Path require() {
        final Path home = locate();
        final String problem = home == null ? "no OSRM found (shared/tools/osrm beside the checkout)" : runProblem(home);
        if (problem == null) {
            return home;
        }
        final String message = problem + ". To run the real-OSRM tests set -Dosrm.home=<dir with bin/osrm-routed> or OSRM_HOME, "
                + "and install its runtime packages as root: apt-get update && apt-get install -y " + RUNTIME_PACKAGES;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: the real-engine tests must run)");
        }
        Assumptions.abort(message);
        return null;
    }

    private static Path locate() {
        final String configured = System.getProperty("osrm.home", System.getenv("OSRM_HOME"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            final Path candidate = dir.resolve("shared").resolve("tools").resolve("osrm");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        return null;
    }

    /** Null when osrm-routed runs (its shared libraries load), else why not. */
    private static String runProblem(final Path home) {
        final Path routed = home.resolve("bin").resolve("osrm-routed");
        if (!Files.isExecutable(routed)) {
            return routed + " is missing or not executable";
        }
        try {
            final Process version = new ProcessBuilder(routed.toString(), "--version").redirectErrorStream(true).start();
            final String output = new String(version.getInputStream().readAllBytes());
            if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
                return routed + " does not run: " + output.strip();
            }
            return null;
        } catch (final IOException e) {
            return routed + " does not run: " + e.getMessage();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Prepares {@code extract} for CH routing with the car profile in {@code dir}; returns the .osrm base path. */
    public static Path prepare(final Path home, final Path extract, final Path dir) throws IOException, InterruptedException {
        final Path copy = dir.resolve(extract.getFileName());
        Files.copy(extract, copy);
        final String name = copy.getFileName().toString();
        final Path osrm = dir.resolve(name.substring(0, name.indexOf('.')) + ".osrm");
        run(dir, home.resolve("bin/osrm-extract").toString(), "-p", home.resolve("profiles/car.lua").toString(), copy.toString());
        run(dir, home.resolve("bin/osrm-contract").toString(), osrm.toString());
        return osrm;
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

    /** Starts osrm-routed (CH) on {@code osrm} with {@code --max-table-size maxTableSize} and waits until it answers. */
    public static RealOsrm start(final Path home, final Path osrm, final int maxTableSize) throws IOException, InterruptedException {
        final int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // WARNING verbosity: at INFO osrm-routed logs every request URL, which for large tables is tens of KB each.
        final Path log = osrm.resolveSibling("routed-" + port + ".log");
        final Process process = new ProcessBuilder(List.of(home.resolve("bin/osrm-routed").toString(), "--algorithm", "ch", "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--max-table-size", String.valueOf(maxTableSize), "--verbosity", "WARNING", osrm.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final RealOsrm server = new RealOsrm(process, port, maxTableSize);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("osrm-routed exited: " + Files.readString(log));
            }
            try {
                final HttpURLConnection connection = (HttpURLConnection) URI.create(server.baseUrl() + "/nearest/v1/driving/1.52,42.51")
                        .toURL().openConnection();
                connection.setConnectTimeout(500);
                connection.setReadTimeout(2000);
                if (connection.getResponseCode() > 0) {
                    connection.disconnect();
                    return server;
                }
            } catch (final IOException notYet) {
                Thread.sleep(100);
            }
        }
        server.close();
        throw new IOException("osrm-routed did not answer within 60 s: " + Files.readString(log));
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int maxTableSize() {
        return maxTableSize;
    }

    /**
     * The plain-text {@code /table/v1/driving} GET for {@code origins} x {@code destinations} (each point {latitude,
     * longitude}, 6 decimals), durations and distances, no hints: what a user's own loop would send, independent of the
     * bundle's request code (polyline6, radiuses), so the tests compare the bundle against it.
     */
    public String tableUrl(final List<double[]> origins, final List<double[]> destinations) {
        final StringBuilder url = new StringBuilder(baseUrl()).append("/table/v1/driving/");
        final StringBuilder sourceIndexes = new StringBuilder();
        final StringBuilder destinationIndexes = new StringBuilder();
        for (int i = 0; i < origins.size(); i++) {
            url.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.6f,%.6f", origins.get(i)[1], origins.get(i)[0]));
            sourceIndexes.append(i == 0 ? "" : ";").append(i);
        }
        for (int i = 0; i < destinations.size(); i++) {
            url.append(';').append(String.format(Locale.ROOT, "%.6f,%.6f", destinations.get(i)[1], destinations.get(i)[0]));
            destinationIndexes.append(i == 0 ? "" : ";").append(origins.size() + i);
        }
        return url.append("?sources=").append(sourceIndexes).append("&destinations=").append(destinationIndexes)
                .append("&annotations=duration,distance&generate_hints=false").toString();
    }

    /** One {@code /table/v1/driving} request: durations and distances with each point's snap distance. */
    public MatrixResult table(final CoordinateBlock sources, final CoordinateBlock destinations) throws IOException, InterruptedException {
        final List<double[]> origins = new ArrayList<>(sources.size());
        for (int i = 0; i < sources.size(); i++) {
            origins.add(new double[] {sources.latitude(i), sources.longitude(i)});
        }
        final List<double[]> targets = new ArrayList<>(destinations.size());
        for (int i = 0; i < destinations.size(); i++) {
            targets.add(new double[] {destinations.latitude(i), destinations.longitude(i)});
        }
        final String url = tableUrl(origins, targets);
        final HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
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
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
