package io.github.nifirouting.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OSRM {@code /table/v1} server on 127.0.0.1 answering from the {@link GridNetwork}, in OSRM's response format
 * (https://project-osrm.org/docs/v5.24.0/api/#table-service): {@code durations}/{@code distances} with {@code null}
 * where there is no route, and {@code sources}/{@code destinations} waypoints with {@code location} (the snapped point)
 * and {@code distance} (meters from the input). Like osrm-routed without {@code radiuses}, it snaps any point to the
 * nearest street however far.
 */
public final class OsrmGridServer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    public OsrmGridServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/table/v1/", this::table);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int requests() {
        return requests.get();
    }

    private void table(final HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        final String path = exchange.getRequestURI().getRawPath();
        final double[][] points = OsrmCoordinates.parse(URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8));
        final double[] lat = points[0];
        final double[] lon = points[1];
        final Map<String, String> query = new HashMap<>();
        for (final String parameter : exchange.getRequestURI().getRawQuery().split("&")) {
            final int equals = parameter.indexOf('=');
            query.put(parameter.substring(0, equals), URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
        }
        final CoordinateBlock sources = pick(query.get("sources"), lat, lon);
        final CoordinateBlock destinations = pick(query.get("destinations"), lat, lon);
        final MatrixResult matrix = GridNetworkTestEngine.matrix(sources, destinations, Double.POSITIVE_INFINITY);
        final StringBuilder json = new StringBuilder("{\"code\":\"Ok\",\"durations\":");
        nested(json, matrix, true);
        json.append(",\"distances\":");
        nested(json, matrix, false);
        json.append(",\"sources\":");
        waypoints(json, sources, i -> matrix.sourceSnapMeters(i));
        json.append(",\"destinations\":");
        waypoints(json, destinations, i -> matrix.destinationSnapMeters(i));
        json.append('}');
        final byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static CoordinateBlock pick(final String indices, final double[] lat, final double[] lon) {
        final CoordinateBlock.Builder block = new CoordinateBlock.Builder();
        if (indices == null || indices.equals("all")) {
            for (int i = 0; i < lat.length; i++) {
                block.add("p" + i, lat[i], lon[i]);
            }
        } else {
            for (final String index : indices.split(";")) {
                final int i = Integer.parseInt(index);
                block.add("p" + i, lat[i], lon[i]);
            }
        }
        return block.build();
    }

    private static void nested(final StringBuilder json, final MatrixResult matrix, final boolean durations) {
        json.append('[');
        for (int r = 0; r < matrix.rows(); r++) {
            json.append(r == 0 ? "[" : ",[");
            for (int c = 0; c < matrix.columns(); c++) {
                final double value = durations ? matrix.durationSeconds(r, c) : matrix.distanceMeters(r, c);
                json.append(c == 0 ? "" : ",").append(Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.1f", value));
            }
            json.append(']');
        }
        json.append(']');
    }

    private interface SnapDistance {
        double of(int index);
    }

    private static void waypoints(final StringBuilder json, final CoordinateBlock points, final SnapDistance snap) {
        json.append('[');
        for (int i = 0; i < points.size(); i++) {
            // The snapped location is not needed by the client; the input location stands in for it.
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"hint\":\"\",\"distance\":%.3f,\"name\":\"\",\"location\":[%.6f,%.6f]}", snap.of(i), points.longitude(i), points.latitude(i)));
        }
        json.append(']');
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
