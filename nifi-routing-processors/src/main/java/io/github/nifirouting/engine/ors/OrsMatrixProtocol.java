package io.github.nifirouting.engine.ors;

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
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * OpenRouteService's matrix: {@code POST /v2/matrix/{profile}} with {@code locations} ([lon, lat]), {@code sources} and
 * {@code destinations} indices and {@code metrics=[duration, distance]} in meters; the API key goes in the
 * {@code Authorization} header. Answers {@code durations}, {@code distances} and {@code sources}/{@code destinations}
 * with {@code snapped_distance}; errors as {@code {"error": {"code": ..., "message": ...}}} with the matrix codes
 * 6000-6099 (e.g. 6004 parameter exceeds the maximum, 6010 point not found). A 403 is either a refused key (REJECTED) or
 * the exhausted daily quota (RATE_LIMITED until {@code x-ratelimit-reset}, so the service stops calling instead of
 * failing every tile).
 */
public final class OrsMatrixProtocol implements EngineProtocol {

    private static final String ENGINE = "OpenRouteService matrix";

    /** How long an exhausted quota keeps the service from calling when the answer does not say when it resets. */
    static final Duration QUOTA_RETRY_AFTER = Duration.ofMinutes(15);

    private final String profile;
    private final String apiKey;

    public OrsMatrixProtocol(final String profile, final String apiKey) {
        this.profile = profile;
        this.apiKey = apiKey;
    }

    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations) {
        final byte[] body = JsonBodies.json(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("locations");
            for (final CoordinateBlock block : new CoordinateBlock[]{sources, destinations}) {
                for (int i = 0; i < block.size(); i++) {
                    json.writeStartArray();
                    json.writeNumber(block.longitude(i));
                    json.writeNumber(block.latitude(i));
                    json.writeEndArray();
                }
            }
            json.writeEndArray();
            json.writeArrayFieldStart("sources");
            for (int i = 0; i < sources.size(); i++) {
                json.writeNumber(i);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("destinations");
            for (int i = 0; i < destinations.size(); i++) {
                json.writeNumber(sources.size() + i);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("metrics");
            json.writeString("duration");
            json.writeString("distance");
            json.writeEndArray();
            json.writeStringField("units", "m");
            json.writeEndObject();
        });
        final HttpRequest.Builder request = HttpRequest.newBuilder(Endpoints.uri(baseUrl, "/v2/matrix/" + profile))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("Authorization", apiKey);
        }
        return request;
    }

    @Override
    public MatrixResult readMatrix(final int status, final HttpHeaders headers, final InputStream body, final int rows, final int columns) throws RoutingException {
        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        final String[] errorText = new String[1];
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, ENGINE, Set.of(), (field, value, parser) -> {
            switch (field) {
                case "durations" -> JsonMatrices.readNested(parser, durations, rows, columns, 1, "durations", ENGINE);
                case "distances" -> JsonMatrices.readNested(parser, distances, rows, columns, 1, "distances", ENGINE);
                case "sources" -> JsonMatrices.readObjectField(parser, sourceSnaps, "snapped_distance", 1, "sources", ENGINE);
                case "destinations" -> JsonMatrices.readObjectField(parser, destinationSnaps, "snapped_distance", 1, "destinations", ENGINE);
                case "error" -> errorText[0] = value == JsonToken.START_OBJECT ? readError(parser) : parser.getValueAsString();
                default -> {
                    return false;
                }
            }
            return true;
        });
        final boolean sawDurations = answer.saw("durations");
        final String error = errorText[0];
        if (status == 403 && isQuotaExhausted(headers, error)) {
            final Duration wait = quotaReset(headers).orElse(QUOTA_RETRY_AFTER);
            throw new RoutingException(RoutingException.Kind.RATE_LIMITED, "OpenRouteService quota exhausted (HTTP 403), resets in about "
                    + wait.toMinutes() + " min" + (error == null ? "" : ": " + error), wait, null);
        }
        if (status == 401 || status == 403) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "OpenRouteService refused the API key (HTTP " + status + ")"
                    + (error == null ? "" : ": " + error));
        }
        if (error != null && error.startsWith(POINT_NOT_FOUND + ":")) {
            // "Could not find routable point within a radius of 350.0 meters of specified coordinate N: lon lat." (N in locations)
            final int index = OffNetworkPointsException.indexAfter(error, "coordinate");
            throw OffNetworkPointsException.ofCombinedIndexes("OpenRouteService error " + error + " (HTTP " + status + ")",
                    index < 0 || index >= rows + columns ? new int[0] : new int[]{index}, rows);
        }
        if (error != null || status >= 400) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "OpenRouteService error " + (error == null ? "" : error) + " (HTTP " + status + ")");
        }
        if (!sawDurations) {
            throw JsonMatrices.broken(ENGINE, "no durations in the response");
        }
        JsonMatrices.settleNegatives(durations, distances, columns, ENGINE);
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
    }

    /**
     * The daily quota answers 403 like a refused key does (docs/frequently-asked-questions.md): tell them apart by the
     * quota headers or the message, since only the quota comes back by itself.
     */
    static boolean isQuotaExhausted(final HttpHeaders headers, final String error) {
        if (headers.firstValue("x-ratelimit-remaining").map(String::trim).filter("0"::equals).isPresent()) {
            return true;
        }
        final String message = error == null ? "" : error.toLowerCase(Locale.ROOT);
        return message.contains("quota") || message.contains("rate limit");
    }

    /** {@code x-ratelimit-reset}: epoch seconds or milliseconds of the reset, or seconds until it. */
    static Optional<Duration> quotaReset(final HttpHeaders headers) {
        return headers.firstValue("x-ratelimit-reset").flatMap(value -> {
            try {
                final long number = Long.parseLong(value.trim());
                final long nowMillis = Instant.now().toEpochMilli();
                final long untilMillis;
                if (number > 100_000_000_000L) {
                    untilMillis = number - nowMillis;
                } else if (number > 1_000_000_000L) {
                    untilMillis = number * 1000 - nowMillis;
                } else {
                    untilMillis = number * 1000;
                }
                return Optional.of(Duration.ofMillis(Math.max(0, untilMillis)));
            } catch (final NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** ORS matrix error code for a location it cannot place on its network. */
    private static final String POINT_NOT_FOUND = "6010";

    private static String readError(final JsonParser parser) throws IOException, RoutingException {
        final JsonAnswers.Answer error = JsonAnswers.readMembers(parser, Set.of("code", "message"));
        final String code = error.text("code");
        final String message = error.text("message");
        return (code == null ? "" : code + ": ") + (message == null ? "" : message);
    }
}
