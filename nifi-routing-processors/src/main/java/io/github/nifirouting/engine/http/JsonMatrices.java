package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.github.nifirouting.engine.RoutingException;

import java.io.IOException;

/**
 * Streaming readers for the matrix shapes engines answer with, straight into flat row-major arrays, validating
 * the shape against the request and every value (finite, non-negative, or null for "no route").
 */
public final class JsonMatrices {

    /** Parsers for engine answers: shallow nesting is all any engine needs. */
    public static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build();

    private JsonMatrices() {
    }

    /**
     * Reads {@code [[v, ...], ...]} at the current token into {@code into}, multiplying values by {@code scale}
     * (e.g. 1000 for kilometers). {@code null} becomes NaN.
     */
    public static void readNested(final JsonParser parser, final double[] into, final int rows, final int columns, final double scale,
                                  final String name, final String engine) throws IOException, RoutingException {
        expect(parser, JsonToken.START_ARRAY, name, engine);
        int row = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (row >= rows) {
                throw broken(engine, name + " has more than the " + rows + " rows requested");
            }
            expect(parser, JsonToken.START_ARRAY, name + "[" + row + "]", engine);
            int column = 0;
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (column >= columns) {
                    throw broken(engine, name + "[" + row + "] has more than the " + columns + " columns requested");
                }
                into[row * columns + column] = value(parser, token, scale, name + "[" + row + "][" + column + "]", engine);
                column++;
            }
            if (column != columns) {
                throw broken(engine, name + "[" + row + "] has " + column + " columns, " + columns + " were requested");
            }
            row++;
        }
        if (row != rows) {
            throw broken(engine, name + " has " + row + " rows, " + rows + " were requested");
        }
    }

    /**
     * How far below zero a value (in seconds or meters, after scaling) may be and still count as 0. Real engines give
     * such values: OSRM answers e.g. {@code -0.2} m for two points snapped onto the same road segment, where the
     * offsets along the segment are rounded separately. Anything lower is not rounding but a broken answer.
     */
    public static final double NEGATIVE_TOLERANCE = 1.0;

    /**
     * A cell value: a finite non-negative number times {@code scale}, or NaN for null. Values in
     * [-{@link #NEGATIVE_TOLERANCE}, 0) become 0; lower values, NaN and infinities make the answer broken.
     */
    public static double value(final JsonParser parser, final JsonToken token, final double scale, final String where, final String engine)
            throws IOException, RoutingException {
        if (token == JsonToken.VALUE_NULL) {
            return Double.NaN;
        }
        if (!token.isNumeric()) {
            throw broken(engine, where + " is " + token + ", not a number or null");
        }
        final double value = parser.getDoubleValue() * scale;
        if (!Double.isFinite(value) || value < -NEGATIVE_TOLERANCE) {
            throw broken(engine, where + " = " + parser.getDoubleValue() + " is not a finite non-negative number (values down to -"
                    + NEGATIVE_TOLERANCE + " s or m are taken as 0)");
        }
        return value < 0 ? 0 : value;
    }

    /**
     * Reads an array of objects at the current token, storing the numeric field {@code field} of element i into
     * {@code into[i]} (times {@code scale}); checks there are exactly {@code into.length} elements.
     */
    public static void readObjectField(final JsonParser parser, final double[] into, final String field, final double scale,
                                       final String name, final String engine) throws IOException, RoutingException {
        expect(parser, JsonToken.START_ARRAY, name, engine);
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            expect(parser, JsonToken.START_OBJECT, name + "[" + index + "]", engine);
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String current = parser.currentName();
                final JsonToken value = parser.nextToken();
                if (field.equals(current) && value.isNumeric() && index < into.length) {
                    into[index] = parser.getDoubleValue() * scale;
                } else {
                    parser.skipChildren();
                }
            }
            index++;
        }
        if (index != into.length) {
            throw broken(engine, name + " has " + index + " entries, " + into.length + " were requested");
        }
    }

    public static void expect(final JsonParser parser, final JsonToken expected, final String where, final String engine) throws RoutingException {
        if (parser.currentToken() != expected) {
            throw broken(engine, where + " is " + parser.currentToken() + ", expected " + expected);
        }
    }

    /** A response that is not what the engine documents: transient, as proxies and restarts produce such answers. */
    public static RoutingException broken(final String engine, final String message) {
        return new RoutingException(RoutingException.Kind.TRANSIENT, "invalid " + engine + " response: " + message);
    }
}
