package io.github.nifirouting.engine.graphhopperapi;

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
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.nio.charset.StandardCharsets;

/**
 * The GraphHopper Directions API matrix: {@code POST /matrix?key=...} with {@code from_points}/{@code to_points}
 * ([lon, lat]), {@code out_arrays=[times, distances]}, {@code profile} and {@code fail_fast=false} (so an unroutable
 * pair is {@code null} instead of failing the request). Times in seconds, distances in meters. Errors carry
 * {@code message} and {@code hints}. Documented limits (graphhopper/directions-api FAQ.md, docs-matrix.md): the location
 * limit of the package per request, 100 requests per minute per endpoint, and at most 300 locations summed over all
 * matrix requests in 5 seconds (use Rate Limit Unit = Locations).
 */
public final class GraphHopperMatrixProtocol implements EngineProtocol {

    private static final String ENGINE = "GraphHopper matrix";

    private final String profile;
    private final String apiKey;

    public GraphHopperMatrixProtocol(final String profile, final String apiKey) {
        this.profile = profile;
        this.apiKey = apiKey;
    }

    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations) {
        final byte[] body = JsonBodies.json(json -> {
            json.writeStartObject();
            for (final String name : new String[]{"from_points", "to_points"}) {
                final CoordinateBlock block = name.equals("from_points") ? sources : destinations;
                json.writeArrayFieldStart(name);
                for (int i = 0; i < block.size(); i++) {
                    json.writeStartArray();
                    json.writeNumber(block.longitude(i));
                    json.writeNumber(block.latitude(i));
                    json.writeEndArray();
                }
                json.writeEndArray();
            }
            json.writeArrayFieldStart("out_arrays");
            json.writeString("times");
            json.writeString("distances");
            json.writeEndArray();
            json.writeStringField("profile", profile);
            json.writeBooleanField("fail_fast", false);
            json.writeEndObject();
        });
        final String key = apiKey == null || apiKey.isBlank() ? "" : "?key=" + URLEncoder.encode(apiKey, StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(URI.create(Endpoints.join(baseUrl, "/matrix") + key))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    @Override
    public MatrixResult readMatrix(final int status, final HttpHeaders headers, final InputStream body, final int rows, final int columns) throws RoutingException {
        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final List<String> hints = new ArrayList<>();
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, ENGINE, Set.of("message"), (field, value, parser) -> {
            switch (field) {
                case "times" -> JsonMatrices.readNested(parser, durations, rows, columns, 1, "times", ENGINE);
                case "distances" -> JsonMatrices.readNested(parser, distances, rows, columns, 1, "distances", ENGINE);
                case "hints" -> readHints(parser, "message", hints);
                default -> {
                    return false;
                }
            }
            return true;
        });
        final String message = answer.text("message");
        final boolean sawTimes = answer.saw("times");
        final String hint = hints.isEmpty() ? null : hints.get(0);
        if (status == 404) {
            // The open-source GraphHopper server answers {"code":404,"message":"HTTP 404 Not Found"}: it has no matrix endpoint.
            throw new RoutingException(RoutingException.Kind.REJECTED, "GraphHopper error (HTTP 404" + (message == null ? "" : ": " + message)
                    + "): this server has no /matrix; the open-source GraphHopper server has none (use the embedded GraphHopper engine "
                    + "on the same extract, or the Directions API)");
        }
        if (status >= 400) {
            final String text = "GraphHopper error (HTTP " + status + ")" + (message == null ? "" : ": " + message)
                    + (hint == null || hint.equals(message) ? "" : " (" + String.join("; ", hints) + ")");
            // "Cannot find from_points: N" / "Cannot find to_points: N", one hint per point it could not place.
            final List<Integer> sources = new ArrayList<>();
            final List<Integer> destinations = new ArrayList<>();
            for (final String each : hints) {
                final int from = OffNetworkPointsException.indexAfter(each, "Cannot find from_points");
                final int to = OffNetworkPointsException.indexAfter(each, "Cannot find to_points");
                if (from >= 0 && from < rows) {
                    sources.add(from);
                } else if (to >= 0 && to < columns) {
                    destinations.add(to);
                }
            }
            if (!sources.isEmpty() || !destinations.isEmpty()) {
                throw new OffNetworkPointsException(text, sources.stream().mapToInt(Integer::intValue).toArray(),
                        destinations.stream().mapToInt(Integer::intValue).toArray());
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, text);
        }
        if (!sawTimes) {
            throw JsonMatrices.broken(ENGINE, "no times in the response" + (message == null ? "" : ": " + message));
        }
        JsonMatrices.settleNegatives(durations, distances, columns, ENGINE);
        return MatrixResult.of(rows, columns, durations, distances);
    }

    /** Every {@code hints[].<member>}: GraphHopper explains there which points it could not use. */
    static void readHints(final JsonParser parser, final String member, final List<String> into) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return;
        }
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token != JsonToken.START_OBJECT) {
                parser.skipChildren();
                continue;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                parser.nextToken();
                if (member.equals(field)) {
                    into.add(parser.getValueAsString());
                } else {
                    parser.skipChildren();
                }
            }
        }
    }
}
