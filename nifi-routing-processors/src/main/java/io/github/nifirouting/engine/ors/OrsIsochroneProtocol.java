package io.github.nifirouting.engine.ors;

import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.GeoJsonPolygons;
import io.github.nifirouting.engine.http.IsochroneProtocol;
import io.github.nifirouting.engine.http.JsonBodies;
import io.github.nifirouting.engine.http.Endpoints;
import io.github.nifirouting.engine.http.JsonAnswers;
import io.github.nifirouting.engine.http.JsonMatrices;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Set;

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
    private static final String UNABLE_TO_BUILD = "3099";

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
                                  final int index, final List<List<List<double[]>>> polygons) throws RoutingException {
        final JsonAnswers.Answer[] error = new JsonAnswers.Answer[1];
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, ENGINE, Set.of(), (field, value, parser) -> {
            if ("error".equals(field) && value == JsonToken.START_OBJECT) {
                error[0] = JsonAnswers.readMembers(parser, Set.of("code", "message"));
            } else if ("features".equals(field)) {
                GeoJsonPolygons.readFeatures(parser, field, ENGINE, feature -> addRange(feature, thresholdsSeconds, polygons));
            } else {
                return false; // the gateway's {"error": "Rate limit exceeded"} form has no code: its status decides
            }
            return true;
        });
        final String errorCode = error[0] == null ? null : error[0].text("code");
        if (status >= 400) {
            if (UNABLE_TO_BUILD.equals(errorCode)) {
                return false;
            }
            if (errorCode == null || status >= 500) {
                return null;
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, "OpenRouteService error " + errorCode + " (HTTP " + status + "): "
                    + error[0].text("message"));
        }
        if (!answer.saw("features")) {
            throw JsonMatrices.broken(ENGINE, "no features in the response");
        }
        return true;
    }

    /** One feature: its value (seconds) picks the threshold it belongs to. */
    private static void addRange(final GeoJsonPolygons.Feature feature, final double[] thresholdsSeconds, final List<List<List<double[]>>> polygons)
            throws RoutingException {
        final double value = feature.number("value");
        for (int t = 0; t < thresholdsSeconds.length; t++) {
            if (Math.abs(thresholdsSeconds[t] - value) < 0.5) {
                polygons.get(t).addAll(feature.polygons());
                return;
            }
        }
        throw JsonMatrices.broken(ENGINE, "a range of " + value + " s was not asked for");
    }
}
