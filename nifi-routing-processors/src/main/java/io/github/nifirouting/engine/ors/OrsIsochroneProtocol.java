package io.github.nifirouting.engine.ors;

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

/**
 * OpenRouteService's isochrones: {@code POST /v2/isochrones/{profile}} with one location ([lon, lat]), {@code range} in
 * seconds and {@code range_type=time}; the API key goes in the {@code Authorization} header. The answer is a GeoJSON
 * FeatureCollection with one Polygon feature per range, {@code properties.value} its seconds. Errors come as
 * {@code {"error": {"code": ..., "message": ...}}} with the isochrone codes 3000-3099 (IsochronesErrorCodes); a point
 * ORS cannot place makes its isochrone builder throw, which it answers as HTTP 500 with code 3099 ("Unable to build an
 * isochrone map."): that is read as off the network rather than retried, since retrying cannot move the point.
 */
public final class OrsIsochroneProtocol implements IsochroneProtocol {

    private static final String ENGINE = "OpenRouteService isochrones";
    private static final int UNABLE_TO_BUILD = 3099;

    private final String profile;
    private final String apiKey;

    public OrsIsochroneProtocol(final String profile, final String apiKey) {
        this.profile = profile;
        this.apiKey = apiKey;
    }

    @Override
    public int isochroneRequests(final double[] thresholdsSeconds) {
        return 1;
    }

    @Override
    public HttpRequest.Builder isochroneRequest(final URI baseUrl, final double latitude, final double longitude, final double[] thresholdsSeconds,
                                                final int index) {
        final byte[] body = JsonBodies.json(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("locations");
            json.writeStartArray();
            json.writeNumber(longitude);
            json.writeNumber(latitude);
            json.writeEndArray();
            json.writeEndArray();
            json.writeArrayFieldStart("range");
            for (final double threshold : thresholdsSeconds) {
                json.writeNumber(threshold);
            }
            json.writeEndArray();
            json.writeStringField("range_type", "time");
            json.writeEndObject();
        });
        final HttpRequest.Builder request = HttpRequest.newBuilder(Endpoints.uri(baseUrl, "/v2/isochrones/" + profile))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("Authorization", apiKey);
        }
        return request;
    }

    @Override
    public Boolean readIsochrones(final int status, final HttpHeaders headers, final InputStream body, final double[] thresholdsSeconds,
                                  final int index, final List<List<List<double[]>>> polygons) throws RoutingException, IOException {
        Integer errorCode = null;
        String message = null;
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
                if ("error".equals(field) && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        final String member = parser.currentName();
                        final JsonToken memberValue = parser.nextToken();
                        if ("code".equals(member) && memberValue.isNumeric()) {
                            errorCode = parser.getIntValue();
                        } else if ("message".equals(member)) {
                            message = parser.getValueAsString();
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else if ("error".equals(field)) {
                    message = parser.getValueAsString(); // the gateway's {"error": "Rate limit exceeded"} form
                } else if ("features".equals(field)) {
                    JsonMatrices.expect(parser, JsonToken.START_ARRAY, "features", ENGINE);
                    sawFeatures = true;
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        readFeature(parser, thresholdsSeconds, polygons);
                    }
                } else {
                    parser.skipChildren();
                }
            }
        } catch (final JsonParseException e) {
            if (status >= 400) {
                return null;
            }
            throw JsonMatrices.broken(ENGINE, e.getOriginalMessage());
        }
        if (status >= 400) {
            if (errorCode != null && errorCode == UNABLE_TO_BUILD) {
                return false;
            }
            if (errorCode == null || status >= 500) {
                return null;
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, "OpenRouteService error " + errorCode + " (HTTP " + status + "): " + message);
        }
        if (!sawFeatures) {
            throw JsonMatrices.broken(ENGINE, "no features in the response");
        }
        return true;
    }

    private static void readFeature(final JsonParser parser, final double[] thresholdsSeconds, final List<List<List<double[]>>> polygons)
            throws IOException, RoutingException {
        double value = Double.NaN;
        List<List<double[]>> geometry = List.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            parser.nextToken();
            if ("geometry".equals(field)) {
                geometry = GeoJsonPolygons.read(parser, ENGINE);
            } else if ("properties".equals(field) && parser.currentToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    final String property = parser.currentName();
                    final JsonToken token = parser.nextToken();
                    if ("value".equals(property) && token.isNumeric()) {
                        value = parser.getDoubleValue();
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
        }
        for (int t = 0; t < thresholdsSeconds.length; t++) {
            if (Math.abs(thresholdsSeconds[t] - value) < 0.5) {
                polygons.get(t).addAll(geometry);
                return;
            }
        }
        throw JsonMatrices.broken(ENGINE, "a range of " + value + " s was not asked for");
    }
}
