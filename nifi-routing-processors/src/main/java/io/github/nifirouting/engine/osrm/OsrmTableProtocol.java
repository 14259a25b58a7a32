package io.github.nifirouting.engine.osrm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.OffNetworkPointsException;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.Endpoints;
import io.github.nifirouting.engine.http.JsonAnswers;
import io.github.nifirouting.engine.http.EngineProtocol;
import io.github.nifirouting.engine.http.JsonMatrices;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.BitSet;
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

    /**
     * Optional table parameters.
     *
     * @param snapRadiusMeters   sent as {@code radiuses} for every point of a request whose {@link MatrixOptions} ask no max snap
     *                           distance (NaN: none, OSRM snaps at any distance)
     * @param fallbackSpeed      {@code fallback_speed} in m/s for pairs without a route (NaN: none, they stay null)
     * @param fallbackCoordinate {@code fallback_coordinate}: {@code input} or {@code snapped}
     * @param polyline6          coordinates as {@code polyline6(...)} when that is shorter than the plain text
     */
    public record Options(double snapRadiusMeters, double fallbackSpeed, String fallbackCoordinate, boolean polyline6) {
        public static final Options NONE = new Options(Double.NaN, Double.NaN, "input", false);

        /** The query parameters after the annotations that are the same for every request. */
        String fixedParameters() {
            final StringBuilder text = new StringBuilder();
            if (!Double.isNaN(fallbackSpeed)) {
                text.append("&fallback_speed=").append(number(fallbackSpeed)).append("&fallback_coordinate=").append(fallbackCoordinate);
            }
            return text.toString();
        }

        /** The text of one radius for a request with {@code request} options (its max snap distance first), or null without radiuses. */
        String radius(final MatrixOptions request) {
            if (request.hasMaxSnap()) {
                return number(request.maxSnapMeters());
            }
            return Double.isNaN(snapRadiusMeters) ? null : number(snapRadiusMeters);
        }
    }

    private final String profile;
    private final Options options;
    private final String fixedParameters;

    public OsrmTableProtocol(final String profile) {
        this(profile, Options.NONE);
    }

    public OsrmTableProtocol(final String profile, final Options options) {
        this.profile = profile;
        this.options = options;
        this.fixedParameters = options.fixedParameters();
    }

    /** Longest coordinate text with its separator: "-180.000000,-90.000000;". */
    static final int MAX_COORDINATE_CHARS = 23;
    /** Hints (about 100 to 250 characters per waypoint) are never used, so the server is asked not to send them. */
    private static final String ANNOTATIONS = "&annotations=duration,distance&generate_hints=false";

    /**
     * An upper bound of the GET URL's length for {@code coordinates} points (sources + destinations, in any split), with
     * this protocol's base URL, profile and options: the worst-case coordinate text (a request uses {@code polyline6(...)}
     * when that is shorter, so the fixed-width text bounds both), every index once in {@code sources} or
     * {@code destinations}, and one radius per point. Used to size tiles under the Max URL Length.
     */
    public int maxUrlLength(final URI baseUrl, final int coordinates) {
        return maxUrlLength(baseUrl, coordinates, MatrixOptions.NONE);
    }

    /** {@link #maxUrlLength(URI, int)} for requests sent with {@code request} options (their radius). */
    public int maxUrlLength(final URI baseUrl, final int coordinates, final MatrixOptions request) {
        final String radius = options.radius(request);
        long length = prefix(baseUrl).length() + (long) coordinates * MAX_COORDINATE_CHARS
                + "?sources=".length() + "&destinations=".length() + ANNOTATIONS.length() + fixedParameters.length();
        for (int i = 0; i < coordinates; i++) {
            length += digits(i) + 1;
        }
        if (radius != null) {
            length += "&radiuses=".length() + (long) coordinates * (radius.length() + 1);
        }
        return (int) Math.min(Integer.MAX_VALUE, length);
    }

    /** Most coordinates whose URL stays within {@code maxUrlLength} (at least 2); one pass, as {@link #maxUrlLength} grows by point. */
    public int maxCoordinates(final URI baseUrl, final int maxUrlLength) {
        return maxCoordinates(baseUrl, maxUrlLength, MatrixOptions.NONE);
    }

    /** {@link #maxCoordinates(URI, int)} for requests sent with {@code request} options (their radius). */
    public int maxCoordinates(final URI baseUrl, final int maxUrlLength, final MatrixOptions request) {
        final String radius = options.radius(request);
        final long perPoint = MAX_COORDINATE_CHARS + (radius == null ? 0 : radius.length() + 1L);
        long length = maxUrlLength(baseUrl, 2, request);
        int coordinates = 2;
        while (length + perPoint + digits(coordinates) + 1 <= maxUrlLength) {
            length += perPoint + digits(coordinates) + 1;
            coordinates++;
        }
        return coordinates;
    }

    private static int digits(final int value) {
        return value < 10 ? 1 : 1 + digits(value / 10);
    }

    private static String number(final double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    private String prefix(final URI baseUrl) {
        return Endpoints.join(baseUrl, "table/v1/" + profile + "/");
    }

    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations) {
        return matrixRequest(baseUrl, sources, destinations, MatrixOptions.NONE);
    }

    /** A table request whose {@code radiuses} are the options' max snap distance (else the service's Snap Radius, else none). */
    @Override
    public HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations,
                                             final MatrixOptions request) {
        return HttpRequest.newBuilder(URI.create(matrixUrl(baseUrl, sources, destinations, request))).GET();
    }

    /** The GET URL of a table request without per-request options. */
    public String matrixUrl(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations) {
        return matrixUrl(baseUrl, sources, destinations, MatrixOptions.NONE);
    }

    /** The GET URL of a table request; with {@link Options#polyline6()} coordinates as {@code polyline6(...)} unless the plain text is shorter. */
    public String matrixUrl(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixOptions request) {
        final int coordinates = sources.size() + destinations.size();
        final String radius = options.radius(request);
        final StringBuilder url = new StringBuilder(maxUrlLength(baseUrl, coordinates, request));
        url.append(prefix(baseUrl));
        final int start = url.length();
        if (options.polyline6()) {
            url.append("polyline6(");
            final long[] previous = new long[2];
            Polyline6.append(url, sources, previous);
            Polyline6.append(url, destinations, previous);
            url.append(')');
        }
        if (!options.polyline6() || url.length() - start > coordinates * MAX_COORDINATE_CHARS - 1) {
            url.setLength(start);
            appendCoordinates(url, sources, false);
            appendCoordinates(url, destinations, true);
        }
        url.append("?sources=");
        for (int i = 0; i < sources.size(); i++) {
            url.append(i == 0 ? "" : ";").append(i);
        }
        url.append("&destinations=");
        for (int i = 0; i < destinations.size(); i++) {
            url.append(i == 0 ? "" : ";").append(sources.size() + i);
        }
        url.append(ANNOTATIONS).append(fixedParameters);
        if (radius != null) {
            url.append("&radiuses=");
            for (int i = 0; i < coordinates; i++) {
                url.append(i == 0 ? "" : ";").append(radius);
            }
        }
        return url.toString();
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
        final BitSet estimated = new BitSet();
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, "OSRM table", Set.of("code", "message"), (field, value, parser) -> {
            switch (field) {
                case "durations" -> JsonMatrices.readNested(parser, durations, rows, columns, 1, "durations", "OSRM table");
                case "distances" -> JsonMatrices.readNested(parser, distances, rows, columns, 1, "distances", "OSRM table");
                case "sources" -> JsonMatrices.readObjectField(parser, sourceSnaps, "distance", 1, "sources", "OSRM table");
                case "destinations" -> JsonMatrices.readObjectField(parser, destinationSnaps, "distance", 1, "destinations", "OSRM table");
                case "fallback_speed_cells" -> readCells(parser, estimated, rows, columns);
                default -> {
                    return false;
                }
            }
            return true;
        });
        final String code = answer.text("code");
        final String message = answer.text("message");
        final boolean sawDurations = answer.saw("durations");
        if (code != null && !"Ok".equals(code)) {
            final String text = "OSRM " + code + (message == null ? "" : ": " + message) + " (HTTP " + status + ")";
            if ("NoSegment".equals(code)) {
                // "Could not find a matching segment for coordinate N": the first point (in request order) OSRM could not snap.
                final int index = OffNetworkPointsException.indexAfter(message, "coordinate");
                throw OffNetworkPointsException.ofCombinedIndexes(text, index < 0 || index >= rows + columns ? new int[0] : new int[]{index}, rows);
            }
            throw new RoutingException(PERMANENT_CODES.contains(code) ? RoutingException.Kind.REJECTED : RoutingException.Kind.TRANSIENT, text);
        }
        if (status >= 400) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "HTTP " + status + " without an OSRM error code");
        }
        if (!"Ok".equals(code) || !sawDurations) {
            throw broken("the response has no code 'Ok' and durations matrix");
        }
        JsonMatrices.settleNegatives(durations, distances, columns, "OSRM table");
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps, new BitSet(), new BitSet(), estimated);
    }

    /** {@code fallback_speed_cells}: {@code [[row, column], ...]} of the cells estimated by the fallback speed. */
    private static void readCells(final JsonParser parser, final BitSet into, final int rows, final int columns) throws IOException, RoutingException {
        JsonMatrices.expect(parser, JsonToken.START_ARRAY, "fallback_speed_cells", "OSRM table");
        while (parser.nextToken() == JsonToken.START_ARRAY) {
            final int[] cell = new int[2];
            int count = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (count >= 2 || !parser.currentToken().isNumeric()) {
                    throw broken("fallback_speed_cells holds an entry that is not [row, column]");
                }
                cell[count++] = parser.getIntValue();
            }
            if (count != 2 || cell[0] < 0 || cell[0] >= rows || cell[1] < 0 || cell[1] >= columns) {
                throw broken("fallback_speed_cells names a cell outside the " + rows + " x " + columns + " matrix");
            }
            into.set(cell[0] * columns + cell[1]);
        }
        JsonMatrices.expect(parser, JsonToken.END_ARRAY, "fallback_speed_cells", "OSRM table");
    }

    private static RoutingException broken(final String message) {
        return JsonMatrices.broken("OSRM table", message);
    }
}
