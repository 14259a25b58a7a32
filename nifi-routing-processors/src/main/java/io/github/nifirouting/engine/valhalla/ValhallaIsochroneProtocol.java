package io.github.nifirouting.engine.valhalla;

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
    /** No suitable edges near location: the point is off the network. */
    private static final String NO_SUITABLE_EDGES = "171";

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
                                  final int index, final List<List<List<double[]>>> polygons) throws RoutingException {
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, ENGINE, Set.of("error_code", "error"), (field, value, parser) -> {
            if (!"features".equals(field)) {
                return false;
            }
            GeoJsonPolygons.readFeatures(parser, field, ENGINE, feature -> addContour(feature, thresholdsSeconds, index, polygons));
            return true;
        });
        final String errorCode = answer.text("error_code");
        if (status >= 400 || errorCode != null) {
            if (NO_SUITABLE_EDGES.equals(errorCode)) {
                return false;
            }
            if (errorCode == null || status >= 500) {
                return null;
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, "Valhalla error " + errorCode + " (HTTP " + status + "): " + answer.text("error"));
        }
        if (!answer.saw("features")) {
            throw JsonMatrices.broken(ENGINE, "no features in the response");
        }
        return true;
    }

    /** One feature: its contour (minutes) picks the threshold of this request it belongs to. */
    private static void addContour(final GeoJsonPolygons.Feature feature, final double[] thresholdsSeconds, final int index,
                                   final List<List<List<double[]>>> polygons) throws RoutingException {
        final double contourMinutes = feature.number("contour");
        final String metric = feature.text("metric");
        if (Double.isNaN(contourMinutes) || (metric != null && !"time".equals(metric)) || feature.polygons().isEmpty()) {
            return; // a location feature (show_locations) or a distance contour: not ours
        }
        for (int t = index * MAX_CONTOURS; t < Math.min(thresholdsSeconds.length, (index + 1) * MAX_CONTOURS); t++) {
            if (Math.abs(thresholdsSeconds[t] / 60 - contourMinutes) < 1e-3) {
                polygons.get(t).addAll(feature.polygons());
                return;
            }
        }
        throw JsonMatrices.broken(ENGINE, "a contour of " + contourMinutes + " min was not asked for");
    }
}
