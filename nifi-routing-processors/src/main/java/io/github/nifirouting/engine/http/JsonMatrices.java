package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
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
            // FastDoubleParser: the same correctly rounded doubles as Double.parseDouble, several times faster (a 1000 x 1000
            // table is 2 million numbers; parsing them was ~8 % of InvokeRoutingMatrix's CPU in NiFiThroughputBenchmark).
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private JsonMatrices() {
    }

    /**
     * Reads {@code [[v, ...], ...]} at the current token into {@code into}, multiplying values by {@code scale}
     * (e.g. 1000 for kilometers). {@code null} becomes NaN. Leaves the parser at the matrix's END_ARRAY. The parser of
     * {@link JsonAnswers#readObject} has the raw bytes scanned by {@link JsonMatrixScanner}; any other parser is read token by token,
     * with the same values and checks.
     */
    public static void readNested(final JsonParser parser, final double[] into, final int rows, final int columns, final double scale,
                                  final String name, final String engine) throws IOException, RoutingException {
        expect(parser, JsonToken.START_ARRAY, name, engine);
        if (parser instanceof ScanningJsonParser scanning && scanning.readMatrix(into, rows, columns, scale, name, engine)) {
            return;
        }
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
                into[row * columns + column] = cell(parser, token, scale, name, row, column, engine);
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
     * Real engines answer slightly negative values for two points snapped onto the same road segment: osrm-routed v6.0.0
     * gives e.g. duration {@code 0} with distance {@code -1.3} m (the offsets along the segment are computed from
     * rounded weights and from the geometry apart). Such a value is not an error but a 0, within these bounds:
     * a duration down to -{@link #DURATION_TOLERANCE_S} s; a distance down to -{@link #DISTANCE_TOLERANCE_M} m when its
     * pair's duration is at most {@link #DURATION_TOLERANCE_S} s (only a same-segment pair can have it). Anything
     * else negative, NaN or infinite makes the answer broken.
     */
    public static final double DURATION_TOLERANCE_S = 1.0;
    /** The distance covered in {@link #DURATION_TOLERANCE_S} at 180 km/h. */
    public static final double DISTANCE_TOLERANCE_M = 50.0;

    /**
     * A cell value: a finite number not below -{@link #DISTANCE_TOLERANCE_M} times {@code scale}, or NaN for null.
     * Negative values are kept for {@link #settleNegatives}, which every reader calls once the matrices are read.
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
        if (!Double.isFinite(value) || value < -DISTANCE_TOLERANCE_M) {
            throw broken(engine, where + " = " + parser.getDoubleValue() + " is not a finite non-negative number");
        }
        return value;
    }

    /** As {@link #value}, naming the cell {@code name[row][column]} only when it is broken (not once per cell). */
    private static double cell(final JsonParser parser, final JsonToken token, final double scale, final String name, final int row,
                               final int column, final String engine) throws IOException, RoutingException {
        if (token == JsonToken.VALUE_NULL) {
            return Double.NaN;
        }
        if (token.isNumeric()) {
            double number = shortDecimal(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
            if (Double.isNaN(number)) {
                number = parser.getDoubleValue();
            }
            final double value = number * scale;
            if (Double.isFinite(value) && value >= -DISTANCE_TOLERANCE_M) {
                return value;
            }
        }
        return value(parser, token, scale, name + "[" + row + "][" + column + "]", engine);
    }

    /** 10^0 .. 10^22: every one exactly a double. */
    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int exponent = 1; exponent < POWERS_OF_TEN.length; exponent++) {
            POWERS_OF_TEN[exponent] = POWERS_OF_TEN[exponent - 1] * 10;
        }
    }

    /**
     * The double of a decimal written with {@code digits} as its digits (at most 15 of them, so below 2^53) and
     * {@code fractionDigits} of them after the point: the integer and the power of ten are both exact doubles, so the one
     * IEEE division gives the correctly rounded value, the double {@link Double#parseDouble} returns for the text. The one
     * rule behind both short-decimal parsers (Jackson's tokens here, the raw bytes in {@link JsonMatrixScanner}).
     */
    static double exactDecimal(final long digits, final int fractionDigits, final boolean negative) {
        final double magnitude = fractionDigits > 0 ? digits / POWERS_OF_TEN[fractionDigits] : digits;
        return negative ? -magnitude : magnitude;
    }

    /**
     * The double of a JSON number text such as {@code 1234.5}, {@code -0.2} or {@code 0} (what engines send for durations
     * and distances), or NaN when it is not such a short decimal (an exponent, more than 15 digits): then the caller lets
     * Jackson parse it; otherwise {@link #exactDecimal}. About four times faster than the general parser on a 1000 x 1000 table.
     */
    static double shortDecimal(final char[] text, final int offset, final int length) {
        if (length == 0) {
            return Double.NaN;
        }
        final int end = offset + length;
        int index = offset;
        final boolean negative = text[index] == '-';
        if (negative) {
            index++;
        }
        long digits = 0;
        int count = 0;
        int fractionDigits = -1;
        for (; index < end; index++) {
            final char c = text[index];
            if (c >= '0' && c <= '9') {
                digits = digits * 10 + (c - '0');
                if (++count > 15) {
                    return Double.NaN;
                }
                if (fractionDigits >= 0) {
                    fractionDigits++;
                }
            } else if (c == '.' && fractionDigits < 0) {
                fractionDigits = 0;
            } else {
                return Double.NaN;
            }
        }
        if (count == 0) {
            return Double.NaN;
        }
        return exactDecimal(digits, fractionDigits, negative);
    }

    /** Turns the negatives real engines give into 0 under the documented bounds, or rejects the answer as broken. */
    public static void settleNegatives(final double[] durations, final double[] distances, final int columns, final String engine) throws RoutingException {
        for (int cell = 0; cell < durations.length; cell++) {
            final double duration = durations[cell];
            if (duration < 0) {
                if (duration < -DURATION_TOLERANCE_S) {
                    throw broken(engine, "durations[" + cell / columns + "][" + cell % columns + "] = " + duration + " is not a finite non-negative "
                            + "number (down to -" + DURATION_TOLERANCE_S + " s is taken as 0)");
                }
                durations[cell] = 0.0;
            }
            final double distance = distances[cell];
            if (distance < 0) {
                if (distance < -DISTANCE_TOLERANCE_M || !(durations[cell] <= DURATION_TOLERANCE_S)) {
                    throw broken(engine, "distances[" + cell / columns + "][" + cell % columns + "] = " + distance + " is not a finite non-negative "
                            + "number (down to -" + DISTANCE_TOLERANCE_M + " m is taken as 0 for a pair of at most " + DURATION_TOLERANCE_S + " s)");
                }
                distances[cell] = 0.0;
            }
        }
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
