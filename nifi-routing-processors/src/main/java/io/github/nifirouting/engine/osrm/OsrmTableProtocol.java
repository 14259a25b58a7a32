package io.github.nifirouting.engine.osrm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.EngineProtocol;
import io.github.nifirouting.engine.http.JsonMatrices;
import io.github.nifirouting.engine.http.ResponseTooLargeException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Locale;
import java.util.Set;

/**
 * OSRM's table service: {@code GET /table/v1/{profile}/{lon,lat;...}?sources=..&destinations=..&annotations=duration,distance}.
 * The response is read with Jackson's streaming parser straight into flat arrays; {@code null} cells (no route) become
 * NaN and each waypoint's {@code distance} (meters from the input to the snapped point) becomes a snap distance.
 */
public final class OsrmTableProtocol implements EngineProtocol {

    /** Error codes that no retry can fix (https://project-osrm.org/docs/v5.24.0/api/#responses). */
    private static final Set<String> PERMANENT_CODES = Set.of("InvalidUrl", "InvalidService", "InvalidVersion", "InvalidOptions",
            "InvalidQuery", "InvalidValue", "NoSegment", "TooBig", "NoTable", "NotImplemented");

    private final String profile;

    public OsrmTableProtocol(final String profile) {
        this.profile = profile;
    }

    /** Longest coordinate text with its separator: "-180.000000,-90.000000;". */
    static final int MAX_COORDINATE_CHARS = 23;
    private static final String ANNOTATIONS = "&annotations=duration,distance";

    /**
     * An upper bound of the GET URL's length for {@code coordinates} points (sources + destinations, in any split), with
     * this protocol's base URL and profile: the worst-case coordinate text plus every index once in {@code sources} or
     * {@code destinations}. Used to size tiles under the Max URL Length.
     */
    public int maxUrlLength(final URI baseUrl, final int coordinates) {
        long length = prefix(baseUrl).length() + (long) coordinates * MAX_COORDINATE_CHARS
                + "?sources=".length() + "&destinations=".length() + ANNOTATIONS.length();
        for (int i = 0; i < coordinates; i++) {
            length += digits(i) + 1;
        }
        return (int) Math.min(Integer.MAX_VALUE, length);
    }

    /** Most coordinates whose URL stays within {@code maxUrlLength} (at least 2). */
    public int maxCoordinates(final URI baseUrl, final int maxUrlLength) {
        int coordinates = 2;
        while (maxUrlLength(baseUrl, coordinates + 1) <= maxUrlLength) {
            coordinates++;
        }
        return coordinates;
    }

    private static int digits(final int value) {
        return value < 10 ? 1 : 1 + digits(value / 10);
    }

    private String prefix(final URI baseUrl) {
        final String base = baseUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/table/v1/" + profile + "/";
    }

    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations) {
        final StringBuilder url = new StringBuilder(maxUrlLength(baseUrl, sources.size() + destinations.size()));
        url.append(prefix(baseUrl));
        appendCoordinates(url, sources, false);
        appendCoordinates(url, destinations, true);
        url.append("?sources=");
        for (int i = 0; i < sources.size(); i++) {
            url.append(i == 0 ? "" : ";").append(i);
        }
        url.append("&destinations=");
        for (int i = 0; i < destinations.size(); i++) {
            url.append(i == 0 ? "" : ";").append(sources.size() + i);
        }
        url.append(ANNOTATIONS);
        return HttpRequest.newBuilder(URI.create(url.toString())).GET();
    }

    private static void appendCoordinates(final StringBuilder url, final CoordinateBlock block, final boolean leadingSeparator) {
        for (int i = 0; i < block.size(); i++) {
            if (i > 0 || leadingSeparator) {
                url.append(';');
            }
            // 6 decimals: about 0.1 m, well below snapping precision
            url.append(String.format(Locale.ROOT, "%.6f,%.6f", block.longitude(i), block.latitude(i)));
        }
    }

    @Override
    public MatrixResult readMatrix(final int status, final HttpHeaders headers, final InputStream body, final int rows, final int columns) throws RoutingException {
        final double[] durations = new double[Math.multiplyExact(rows, columns)];
        final double[] distances = MatrixResult.nanArray(durations.length);
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        String code = null;
        String message = null;
        boolean sawDurations = false;
        try (JsonParser parser = JsonMatrices.JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw broken("the response is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "code" -> code = parser.getValueAsString();
                    case "message" -> message = parser.getValueAsString();
                    case "durations" -> {
                        JsonMatrices.readNested(parser, durations, rows, columns, 1, "durations", "OSRM table");
                        sawDurations = true;
                    }
                    case "distances" -> JsonMatrices.readNested(parser, distances, rows, columns, 1, "distances", "OSRM table");
                    case "sources" -> JsonMatrices.readObjectField(parser, sourceSnaps, "distance", 1, "sources", "OSRM table");
                    case "destinations" -> JsonMatrices.readObjectField(parser, destinationSnaps, "distance", 1, "destinations", "OSRM table");
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT) {
                throw broken("the response ended inside its JSON object");
            }
        } catch (final ResponseTooLargeException e) {
            throw new RoutingException(RoutingException.Kind.REJECTED, e.getMessage(), null, e);
        } catch (final IOException e) {
            throw broken("malformed or truncated JSON: " + e.getMessage());
        }
        if (code != null && !"Ok".equals(code)) {
            final String text = "OSRM " + code + (message == null ? "" : ": " + message) + " (HTTP " + status + ")";
            throw new RoutingException(PERMANENT_CODES.contains(code) ? RoutingException.Kind.REJECTED : RoutingException.Kind.TRANSIENT, text);
        }
        if (status >= 400) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "HTTP " + status + " without an OSRM error code");
        }
        if (!"Ok".equals(code) || !sawDurations) {
            throw broken("the response has no code 'Ok' and durations matrix");
        }
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
    }

    private static RoutingException broken(final String message) {
        return JsonMatrices.broken("OSRM table", message);
    }
}
