package io.github.nifirouting.engine.graphhopperapi;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.GeoJsonPolygons;
import io.github.nifirouting.engine.http.IsochroneProtocol;
import io.github.nifirouting.engine.http.Endpoints;
import io.github.nifirouting.engine.http.JsonAnswers;
import io.github.nifirouting.engine.http.JsonMatrices;

import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * GraphHopper's isochrone endpoint: {@code GET /isochrone?point=lat,lon&time_limit=s&buckets=1&profile=...&key=...},
 * answered with {@code {"polygons": [Feature, ...]}} (Polygon geometries, {@code properties.bucket}). One request per
 * threshold, since bucket limits are fractions of {@code time_limit} that differ between GraphHopper versions;
 * {@code time_limit} is whole seconds. A point GraphHopper cannot snap is answered 400 with a message such as
 * "Point not found" or "Cannot find point" (PointNotFoundException, PointOutOfBoundsException): off the network; other
 * errors ({@code message}, {@code hints}) are rejections.
 */
public final class GraphHopperIsochroneProtocol implements IsochroneProtocol {

    private static final String ENGINE = "GraphHopper isochrone";

    private final String profile;
    private final String apiKey;

    public GraphHopperIsochroneProtocol(final String profile, final String apiKey) {
        this.profile = profile;
        this.apiKey = apiKey;
    }

    @Override
    public int isochroneRequests(final double[] thresholdsSeconds) {
        return thresholdsSeconds.length;
    }

    @Override
    public HttpRequest.Builder isochroneRequest(final URI baseUrl, final double latitude, final double longitude, final double[] thresholdsSeconds,
                                                final int index) {
        final StringBuilder url = new StringBuilder(Endpoints.join(baseUrl, "/isochrone"))
                .append("?point=").append(String.format(Locale.ROOT, "%.6f,%.6f", latitude, longitude))
                .append("&time_limit=").append(Math.round(thresholdsSeconds[index]))
                .append("&buckets=1&profile=").append(URLEncoder.encode(profile, StandardCharsets.UTF_8));
        if (apiKey != null && !apiKey.isBlank()) {
            url.append("&key=").append(URLEncoder.encode(apiKey, StandardCharsets.UTF_8));
        }
        return HttpRequest.newBuilder(URI.create(url.toString())).GET();
    }

    @Override
    public Boolean readIsochrones(final int status, final HttpHeaders headers, final InputStream body, final double[] thresholdsSeconds,
                                  final int index, final List<List<List<double[]>>> polygons) throws RoutingException {
        final List<String> details = new ArrayList<>();
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, ENGINE, Set.of("message"), (field, value, parser) -> {
            switch (field) {
                case "hints" -> GraphHopperMatrixProtocol.readHints(parser, "details", details);
                case "polygons", "features" -> // json or geojson response type
                        GeoJsonPolygons.readFeatures(parser, field, ENGINE, feature -> polygons.get(index).addAll(feature.polygons()));
                default -> {
                    return false;
                }
            }
            return true;
        });
        final String message = answer.text("message");
        if (status >= 400) {
            if (status < 500 && offNetwork(message, details)) {
                return false;
            }
            if (message == null || status >= 500) {
                return null;
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, "GraphHopper error (HTTP " + status + "): " + message);
        }
        if (!answer.saw("polygons") && !answer.saw("features")) {
            throw JsonMatrices.broken(ENGINE, "no polygons in the response");
        }
        return true;
    }

    private static boolean offNetwork(final String message, final List<String> details) {
        final String text = ((message == null ? "" : message) + " " + String.join(" ", details)).toLowerCase(Locale.ROOT);
        return text.contains("point not found") || text.contains("cannot find point") || text.contains("pointnotfoundexception")
                || text.contains("out of bounds") || text.contains("pointoutofboundsexception");
    }
}
