package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.RoutingException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a GeoJSON geometry (RFC 7946) with Jackson's streaming parser into polygons of flat {@code lon, lat} rings, the
 * form {@link io.github.nifirouting.model.IsochroneRings} holds: no geometry library in protocol code. Polygon and
 * MultiPolygon are read; any other type (a LineString contour, the Point of a snapped location) gives no polygon.
 * Members may come in any order, so {@code coordinates} is read before its {@code type} is known. Features are read
 * with their scalar properties, where engines say which threshold a polygon belongs to.
 */
public final class GeoJsonPolygons {

    /** A Feature: the polygons of its geometry and its scalar properties (numbers as Double, other scalars as text). */
    public record Feature(List<List<double[]>> polygons, Map<String, Object> properties) {

        /** A numeric property, NaN when missing or not a number. */
        public double number(final String name) {
            return properties.get(name) instanceof Double number ? number : Double.NaN;
        }

        /** A property that is not a number, null when missing. */
        public String text(final String name) {
            return properties.get(name) instanceof String text ? text : null;
        }
    }

    /** Takes one Feature of an answer. */
    @FunctionalInterface
    public interface FeatureReader {
        void read(Feature feature) throws RoutingException;
    }

    private GeoJsonPolygons() {
    }

    /** Reads the array of Features the parser is at (a FeatureCollection's {@code features}), handing each to {@code each}. */
    public static void readFeatures(final JsonParser parser, final String name, final String engine, final FeatureReader each)
            throws IOException, RoutingException {
        JsonMatrices.expect(parser, JsonToken.START_ARRAY, name, engine);
        for (int index = 0; parser.nextToken() != JsonToken.END_ARRAY; index++) {
            JsonMatrices.expect(parser, JsonToken.START_OBJECT, name + "[" + index + "]", engine);
            each.read(readFeature(parser, engine));
        }
    }

    private static Feature readFeature(final JsonParser parser, final String engine) throws IOException, RoutingException {
        List<List<double[]>> polygons = List.of();
        final Map<String, Object> properties = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            final JsonToken value = parser.nextToken();
            if ("geometry".equals(field)) {
                polygons = read(parser, engine);
            } else if ("properties".equals(field) && value == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    final String property = parser.currentName();
                    final JsonToken propertyValue = parser.nextToken();
                    if (propertyValue.isNumeric()) {
                        properties.put(property, parser.getDoubleValue());
                    } else if (propertyValue.isScalarValue()) {
                        properties.put(property, parser.getValueAsString());
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
        }
        return new Feature(polygons, properties);
    }

    /** Reads the geometry object the parser is at (its START_OBJECT, or a null value). */
    public static List<List<double[]>> read(final JsonParser parser, final String engine) throws IOException, RoutingException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return List.of();
        }
        JsonMatrices.expect(parser, JsonToken.START_OBJECT, "geometry", engine);
        String type = null;
        Object coordinates = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            final JsonToken value = parser.nextToken();
            if ("type".equals(field)) {
                type = parser.getValueAsString();
            } else if ("coordinates".equals(field) && value == JsonToken.START_ARRAY) {
                coordinates = nested(parser, engine);
            } else {
                parser.skipChildren();
            }
        }
        if (coordinates == null) {
            return List.of();
        }
        final List<List<double[]>> polygons = new ArrayList<>();
        if ("Polygon".equals(type)) {
            polygons.add(polygon(coordinates, engine));
        } else if ("MultiPolygon".equals(type)) {
            for (final Object polygon : list(coordinates, engine)) {
                polygons.add(polygon(polygon, engine));
            }
        }
        return polygons;
    }

    /** An array at the parser: a position ({@code double[]{lon, lat}}) or a list of nested arrays. */
    private static Object nested(final JsonParser parser, final String engine) throws IOException, RoutingException {
        JsonToken token = parser.nextToken();
        if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            final double lon = parser.getDoubleValue();
            token = parser.nextToken();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw JsonMatrices.broken(engine, "a GeoJSON position needs longitude and latitude");
            }
            final double lat = parser.getDoubleValue();
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) { // an altitude, if any
                if (token == null) {
                    throw JsonMatrices.broken(engine, "the answer ends inside a position");
                }
            }
            return new double[]{lon, lat};
        }
        final List<Object> items = new ArrayList<>();
        while (token != JsonToken.END_ARRAY) {
            if (token != JsonToken.START_ARRAY) {
                throw JsonMatrices.broken(engine, "GeoJSON coordinates hold " + token + " where an array belongs");
            }
            items.add(nested(parser, engine));
            token = parser.nextToken();
        }
        return items;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Object value, final String engine) throws RoutingException {
        if (!(value instanceof List)) {
            throw JsonMatrices.broken(engine, "GeoJSON coordinates are nested less deeply than their type needs");
        }
        return (List<Object>) value;
    }

    /** A polygon's rings, each flattened to {@code lon0, lat0, lon1, lat1, ...}. */
    private static List<double[]> polygon(final Object value, final String engine) throws RoutingException {
        final List<double[]> rings = new ArrayList<>();
        for (final Object ring : list(value, engine)) {
            final List<Object> positions = list(ring, engine);
            final double[] flat = new double[positions.size() * 2];
            for (int i = 0; i < positions.size(); i++) {
                if (!(positions.get(i) instanceof double[] position)) {
                    throw JsonMatrices.broken(engine, "a GeoJSON ring holds something other than positions");
                }
                flat[2 * i] = position[0];
                flat[2 * i + 1] = position[1];
            }
            rings.add(flat);
        }
        return rings;
    }
}
