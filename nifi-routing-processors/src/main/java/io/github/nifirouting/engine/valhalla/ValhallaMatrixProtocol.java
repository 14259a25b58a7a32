package io.github.nifirouting.engine.valhalla;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.OffNetworkPointsException;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.EngineProtocol;
import io.github.nifirouting.engine.http.JsonBodies;
import io.github.nifirouting.engine.http.Endpoints;
import io.github.nifirouting.engine.http.JsonAnswers;
import io.github.nifirouting.engine.http.JsonMatrices;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Set;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;

/**
 * Valhalla's matrix service: {@code POST /sources_to_targets} with {@code sources}, {@code targets}, {@code costing},
 * {@code units=kilometers} and {@code verbose=false}, answered with nested {@code durations} (s) and {@code distances}
 * (km) under {@code sources_to_targets}. The verbose form (rows of {@code {time, distance, from_index, to_index}}) is
 * read too, for servers that ignore {@code verbose}. Errors carry {@code error_code} and {@code error}.
 */
public final class ValhallaMatrixProtocol implements EngineProtocol {

    private static final String ENGINE = "Valhalla sources_to_targets";

    /**
     * Error codes that mean "no route between any pair" (442: no path could be found for input, which the matrix
     * serializer raises when every cell is unreachable; 170: locations in unconnected regions). Every pair is UNROUTABLE.
     */
    private static final Set<String> NO_ROUTE_CODES = Set.of("442", "170");

    private final String costing;

    public ValhallaMatrixProtocol(final String costing) {
        this.costing = costing;
    }

    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations) {
        return matrixRequest(baseUrl, sources, destinations, MatrixOptions.NONE);
    }

    /**
     * With a max snap distance, each location carries it as {@code search_cutoff} (meters; Valhalla's default 35 km): a
     * point with no road that near is refused with error 171 and isolated as NO_ROAD instead of matched to a far road.
     */
    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations,
                                             final MatrixOptions options) {
        final byte[] body = JsonBodies.json(json -> {
            json.writeStartObject();
            writeLocations(json, "sources", sources, options);
            writeLocations(json, "targets", destinations, options);
            json.writeStringField("costing", costing);
            json.writeStringField("units", "kilometers");
            json.writeBooleanField("verbose", false);
            json.writeEndObject();
        });
        return HttpRequest.newBuilder(Endpoints.uri(baseUrl, "/sources_to_targets"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private static void writeLocations(final com.fasterxml.jackson.core.JsonGenerator json, final String name, final CoordinateBlock points,
                                       final MatrixOptions options) throws IOException {
        json.writeArrayFieldStart(name);
        for (int i = 0; i < points.size(); i++) {
            json.writeStartObject();
            json.writeNumberField("lat", points.latitude(i));
            json.writeNumberField("lon", points.longitude(i));
            if (options.hasMaxSnap()) {
                json.writeNumberField("search_cutoff", options.maxSnapMeters());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    @Override
    public MatrixResult readMatrix(final int status, final HttpHeaders headers, final InputStream body, final int rows, final int columns) throws RoutingException {
        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, ENGINE, Set.of("error", "error_code"), (field, value, parser) -> {
            if (!"sources_to_targets".equals(field)) {
                return false;
            }
            if (value == JsonToken.START_OBJECT) {
                readConcise(parser, durations, distances, rows, columns);
            } else {
                readVerbose(parser, durations, distances, rows, columns);
            }
            return true;
        });
        final String error = answer.text("error");
        final String errorCode = answer.text("error_code");
        final boolean sawMatrix = answer.saw("sources_to_targets");
        if (errorCode != null && NO_ROUTE_CODES.contains(errorCode)) {
            // Valhalla answers a matrix without a single routable pair with an error instead of a matrix of nulls.
            return MatrixResult.of(rows, columns, MatrixResult.nanArray(rows * columns), MatrixResult.nanArray(rows * columns));
        }
        if ("171".equals(errorCode)) {
            // "No suitable edges near location": Valhalla does not say which one, so the caller finds it by asking point by point.
            throw new OffNetworkPointsException("Valhalla error 171 " + (error == null ? "" : error) + " (HTTP " + status + ")" + hint(errorCode),
                    new int[0], new int[0]);
        }
        if (error != null || errorCode != null || status >= 400) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "Valhalla error " + (errorCode == null ? "" : errorCode + " ")
                    + (error == null ? "" : error) + " (HTTP " + status + ")" + hint(errorCode));
        }
        if (!sawMatrix) {
            throw JsonMatrices.broken(ENGINE, "no sources_to_targets in the response");
        }
        JsonMatrices.settleNegatives(durations, distances, columns, ENGINE);
        return MatrixResult.of(rows, columns, durations, distances);
    }

    private static void readConcise(final JsonParser parser, final double[] durations, final double[] distances, final int rows, final int columns)
            throws IOException, RoutingException {
        boolean sawDurations = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "durations" -> {
                    JsonMatrices.readNested(parser, durations, rows, columns, 1, "durations", ENGINE);
                    sawDurations = true;
                }
                case "distances" -> JsonMatrices.readNested(parser, distances, rows, columns, 1000, "distances", ENGINE);
                default -> parser.skipChildren();
            }
        }
        if (!sawDurations) {
            throw JsonMatrices.broken(ENGINE, "sources_to_targets has no durations");
        }
    }

    /** What the user can do about the documented matrix limits (valhalla/exceptions.cc). */
    private static String hint(final String errorCode) {
        if (errorCode == null) {
            return "";
        }
        return switch (errorCode) {
            case "150" -> "; the request has more locations than service_limits.<costing>.max_matrix_location_pairs allows: lower Max Location Pairs";
            case "154" -> "; two points are further apart than service_limits.<costing>.max_matrix_distance (400 km for auto by default): "
                    + "tile geographically or raise the server's limit";
            case "171" -> "; a point is too far from any road usable with this costing";
            case "125" -> "; the server does not know this costing";
            default -> "";
        };
    }

    /** Rows of {@code {from_index, to_index, time, distance}} objects. */
    private static void readVerbose(final JsonParser parser, final double[] durations, final double[] distances, final int rows, final int columns)
            throws IOException, RoutingException {
        JsonMatrices.expect(parser, JsonToken.START_ARRAY, "sources_to_targets", ENGINE);
        int row = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            JsonMatrices.expect(parser, JsonToken.START_ARRAY, "sources_to_targets[" + row + "]", ENGINE);
            int column = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                JsonMatrices.expect(parser, JsonToken.START_OBJECT, "sources_to_targets[" + row + "][" + column + "]", ENGINE);
                if (row >= rows || column >= columns) {
                    throw JsonMatrices.broken(ENGINE, "more cells than the " + rows + " x " + columns + " requested");
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    final String field = parser.currentName();
                    final JsonToken value = parser.nextToken();
                    switch (field) {
                        case "time" -> durations[row * columns + column] = JsonMatrices.value(parser, value, 1, "time", ENGINE);
                        case "distance" -> distances[row * columns + column] = JsonMatrices.value(parser, value, 1000, "distance", ENGINE);
                        default -> parser.skipChildren();
                    }
                }
                column++;
            }
            if (column != columns) {
                throw JsonMatrices.broken(ENGINE, "row " + row + " has " + column + " cells, " + columns + " were requested");
            }
            row++;
        }
        if (row != rows) {
            throw JsonMatrices.broken(ENGINE, row + " rows, " + rows + " were requested");
        }
    }
}
