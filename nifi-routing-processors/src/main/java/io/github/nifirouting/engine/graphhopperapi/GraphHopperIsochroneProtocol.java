package io.github.nifirouting.engine.graphhopperapi;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.GeoJsonPolygons;
import io.github.nifirouting.engine.http.IsochroneProtocol;
import io.github.nifirouting.engine.http.Endpoints;
import io.github.nifirouting.engine.http.JsonMatrices;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

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
                                  final int index, final List<List<List<double[]>>> polygons) throws RoutingException, IOException {
        String message = null;
        String details = null;
        boolean sawPolygons = false;
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
                if ("message".equals(field)) {
                    message = parser.getValueAsString();
                } else if ("hints".equals(field) && value == JsonToken.START_ARRAY) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            final String member = parser.currentName();
                            parser.nextToken();
                            if ("details".equals(member) && details == null) {
                                details = parser.getValueAsString();
                            } else {
                                parser.skipChildren();
                            }
                        }
                    }
                } else if ("polygons".equals(field) || "features".equals(field)) { // json or geojson response type
                    JsonMatrices.expect(parser, JsonToken.START_ARRAY, field, ENGINE);
                    sawPolygons = true;
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            final String member = parser.currentName();
                            parser.nextToken();
                            if ("geometry".equals(member)) {
                                polygons.get(index).addAll(GeoJsonPolygons.read(parser, ENGINE));
                            } else {
                                parser.skipChildren();
                            }
                        }
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
            if (status < 500 && offNetwork(message, details)) {
                return false;
            }
            if (message == null || status >= 500) {
                return null;
            }
            throw new RoutingException(RoutingException.Kind.REJECTED, "GraphHopper error (HTTP " + status + "): " + message);
        }
        if (!sawPolygons) {
            throw JsonMatrices.broken(ENGINE, "no polygons in the response");
        }
        return true;
    }

    private static boolean offNetwork(final String message, final String details) {
        final String text = ((message == null ? "" : message) + " " + (details == null ? "" : details)).toLowerCase(Locale.ROOT);
        return text.contains("point not found") || text.contains("cannot find point") || text.contains("pointnotfoundexception")
                || text.contains("out of bounds") || text.contains("pointoutofboundsexception");
    }
}
