package io.github.nifirouting.engine.valhalla;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.GeoJsonPolygons;
import io.github.nifirouting.engine.http.IsochroneProtocol;
import io.github.nifirouting.engine.http.JsonBodies;
import io.github.nifirouting.engine.http.Endpoints;
import io.github.nifirouting.engine.http.JsonMatrices;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Set;

/**
 * Valhalla's isochrone service: {@code POST /isochrone} with one location, {@code contours} of {@code time} in minutes
 * and {@code polygons=true}, at most {@link #MAX_CONTOURS} contours per request (the default
 * {@code service_limits.isochrone.max_contours}). The answer is a GeoJSON FeatureCollection, one feature per contour
 * (largest first) with {@code properties.contour} (minutes) and {@code properties.metric} ({@code time}), geometry
 * Polygon or MultiPolygon (src/tyr/isochrone_serializer.cc). Valhalla documents that its polygons may self-intersect
 * after generalization; BuildIsochrones repairs them. Error 171 (no suitable edges near location) means the point is off
 * the network; other errors ({@code error_code}, {@code error}) are rejections.
 */
public final class ValhallaIsochroneProtocol implements IsochroneProtocol {

    static final int MAX_CONTOURS = 4;
    private static final String ENGINE = "Valhalla isochrone";
    /** 171: No suitable edges near location. */
    private static final Set<Integer> OFF_NETWORK_CODES = Set.of(171);

    private final String costing;

    public ValhallaIsochroneProtocol(final String costing) {
        this.costing = costing;
    }

    @Override
    public int isochroneRequests(final double[] thresholdsSeconds) {
        return (thresholdsSeconds.length + MAX_CONTOURS - 1) / MAX_CONTOURS;
    }

    @Override
    public HttpRequest.Builder isochroneRequest(final URI baseUrl, final double latitude, final double longitude, final double[] thresholdsSeconds,
                                                final int index) {
        final byte[] body = JsonBodies.json(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("locations");
            json.writeStartObject();
            json.writeNumberField("lat", latitude);
            json.writeNumberField("lon", longitude);
            json.writeEndObject();
            json.writeEndArray();
            json.writeStringField("costing", costing);
            json.writeArrayFieldStart("contours");
            for (int t = index * MAX_CONTOURS; t < Math.min(thresholdsSeconds.length, (index + 1) * MAX_CONTOURS); t++) {
                json.writeStartObject();
                json.writeNumberField("time", thresholdsSeconds[t] / 60);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeBooleanField("polygons", true);
            json.writeEndObject();
        });
        return HttpRequest.newBuilder(Endpoints.uri(baseUrl, "/isochrone"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    @Override
    public Boolean readIsochrones(final int status, final HttpHeaders headers, final InputStream body, final double[] thresholdsSeconds,
                                  final int index, final List<List<List<double[]>>> polygons) throws RoutingException, IOException {
        Integer errorCode = null;
        String error = null;
        boolean sawFeatures = false;
        try (JsonParser parser = JsonMatrices.JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                if (status >= 400) {
                    return null;
                }
                throw JsonMatrices.broken(ENGINE, "the response is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                final JsonToken value = parser.nextToken();
                switch (field) {
                    case "error_code" -> errorCode = value.isNumeric() ? parser.getIntValue() : null;
                    case "error" -> error = parser.getValueAsString();
                    case "features" -> {
                        JsonMatrices.expect(parser, JsonToken.START_ARRAY, "features", ENGINE);
                        sawFeatures = true;
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            readFeature(parser, thresholdsSeconds, index, polygons);
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        } catch (final JsonParseException e) {
            if (status >= 400) {
                return null; // not Valhalla's error format (a proxy's page): the status decides
            }
            throw JsonMatrices.broken(ENGINE, e.getOriginalMessage());
        }
        if (status >= 400 || errorCode != null) {
            if (errorCode != null && OFF_NETWORK_CODES.contains(errorCode)) {
                return false;
            }
            if (errorCode == null || status >= 500) {
                return null;
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, "Valhalla error " + errorCode + " (HTTP " + status + "): " + error);
        }
        if (!sawFeatures) {
            throw JsonMatrices.broken(ENGINE, "no features in the response");
        }
        return true;
    }

    /** One feature: its contour (minutes) picks the threshold of this request it belongs to. */
    private static void readFeature(final JsonParser parser, final double[] thresholdsSeconds, final int index,
                                    final List<List<List<double[]>>> polygons) throws IOException, RoutingException {
        double contourMinutes = Double.NaN;
        String metric = "time";
        List<List<double[]>> geometry = List.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            parser.nextToken();
            if ("geometry".equals(field)) {
                geometry = GeoJsonPolygons.read(parser, ENGINE);
            } else if ("properties".equals(field) && parser.currentToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    final String property = parser.currentName();
                    final JsonToken value = parser.nextToken();
                    if ("contour".equals(property) && value.isNumeric()) {
                        contourMinutes = parser.getDoubleValue();
                    } else if ("metric".equals(property)) {
                        metric = parser.getValueAsString();
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
        }
        if (Double.isNaN(contourMinutes) || !"time".equals(metric) || geometry.isEmpty()) {
            return; // a location feature (show_locations) or a distance contour: not ours
        }
        for (int t = index * MAX_CONTOURS; t < Math.min(thresholdsSeconds.length, (index + 1) * MAX_CONTOURS); t++) {
            if (Math.abs(thresholdsSeconds[t] / 60 - contourMinutes) < 1e-3) {
                polygons.get(t).addAll(geometry);
                return;
            }
        }
        throw JsonMatrices.broken(ENGINE, "a contour of " + contourMinutes + " min was not asked for");
    }
}
