package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonParser;
import io.github.nifirouting.engine.RoutingException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The matrix reader gives exactly the doubles of {@link Double#parseDouble}: its short-decimal paths (the byte scanner's and the
 * token path's) and the general parse of every other number; and both paths reject the same broken answers the same way.
 */
class JsonMatricesTest {

    @Test
    void shortDecimalsAreTheDoublesOfParseDouble() {
        final Random random = new Random(14);
        for (int i = 0; i < 1_000_000; i++) {
            final int digits = 1 + random.nextInt(15);
            final StringBuilder text = new StringBuilder();
            if (random.nextInt(4) == 0) {
                text.append('-');
            }
            final int point = random.nextInt(digits + 1);
            for (int d = 0; d < digits; d++) {
                if (d == point && d > 0) {
                    text.append('.');
                }
                text.append((char) ('0' + random.nextInt(10)));
            }
            assertSame(text.toString());
        }
        for (final String text : new String[]{"0", "-0", "0.0", "-0.0", "-0.2", "-1.3", "1234.5", "99999.9", "0.000001", "123456789012345",
                "1.23456789012345", "0.1", "0.3", "9007199254740.99", "3600", "12.345678"}) {
            assertSame(text);
        }
    }

    @Test
    void otherNumbersAreLeftToJackson() {
        for (final String text : new String[]{"1e5", "1.5E-3", "1234567890123456", "0.1234567890123456", "", "-", "."}) {
            assertTrue(Double.isNaN(JsonMatrices.shortDecimal(text.toCharArray(), 0, text.length())), text);
        }
    }

    @Test
    void aMatrixWithEveryKindOfNumberReadsAsParseDoubleReadsIt() throws Exception {
        final String json = "[[0,1234.5,-0.2,null],[1e3,1.5E-3,12345678901234567,0.30000000000000004]]";
        final double[] cells = new double[8];
        try (JsonParser parser = JsonMatrices.JSON.createParser("{\"m\":" + json + "}")) {
            parser.nextToken();
            parser.nextToken();
            parser.nextToken();
            JsonMatrices.readNested(parser, cells, 2, 4, 1, "m", "test");
        }
        assertArrayEquals(new double[]{0, 1234.5, -0.2, Double.NaN, 1e3, 1.5e-3, 12345678901234567d, 0.30000000000000004}, cells);
    }

    private static void assertSame(final String text) {
        final char[] padded = ("[" + text + "]").toCharArray();
        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(JsonMatrices.shortDecimal(padded, 1, text.length())),
                text);
    }

    /** Tiny buffers and a body that arrives a few bytes at a time put values, nulls and separators across every refill boundary. */
    private static final int[] BUFFER_SIZES = {1, 7, 64, 100, JsonMatrixScanner.DEFAULT_BUFFER_SIZE};

    @Test
    void theScannerReadsAMillionRandomValuesAsParseDoubleDoes() throws Exception {
        final Random random = new Random(1414);
        final int rows = 1000;
        final int columns = 1000;
        final double[] expected = new double[rows * columns];
        final StringBuilder json = new StringBuilder(rows * columns * 10).append('[');
        for (int row = 0; row < rows; row++) {
            // every tenth row spaced out with JSON whitespace anywhere it is allowed
            final boolean spaced = row % 10 == 3;
            json.append(row == 0 ? "" : ",").append(spaced ? whitespace(random) : "").append('[');
            for (int column = 0; column < columns; column++) {
                final String text = randomNumber(random);
                expected[row * columns + column] = "null".equals(text) ? Double.NaN : Double.parseDouble(text);
                json.append(column == 0 ? "" : ",").append(spaced ? whitespace(random) : "").append(text).append(spaced ? whitespace(random) : "");
            }
            json.append(']').append(spaced ? whitespace(random) : "");
        }
        final String matrix = json.append(']').toString();
        for (final int bufferSize : new int[]{7, JsonMatrixScanner.DEFAULT_BUFFER_SIZE}) {
            assertBitsEqual(expected, readScanned(matrix, rows, columns, 1, bufferSize, bufferSize < 64), "buffer " + bufferSize);
        }
        assertBitsEqual(expected, readTokens(matrix, rows, columns, 1), "token path");
    }

    @Test
    void everyKindOfValueReadsTheSameWithAnyBufferAndWhitespace() throws Exception {
        final String[] values = {"0", "-0", "0.0", "-0.0", "-0.2", "-1.3", "1234.5", "0.000001", "123456789012345", "1.23456789012345",
                "1e3", "1E3", "1.5E-2", "1.5e+2", "-0e0", "12345678901234567", "0.12345678901234567", "123456789012345678901234567890",
                "0.30000000000000004", "4.9e-324", "null", "3600", "99999.9"};
        final StringBuilder compact = new StringBuilder("[[");
        final StringBuilder spaced = new StringBuilder(" \n[\r\n\t[ ");
        for (int i = 0; i < values.length; i++) {
            compact.append(i == 0 ? "" : ",").append(values[i]);
            spaced.append(i == 0 ? "" : " \n,\t").append(values[i]);
        }
        compact.append("],[").append(String.join(",", values)).append("]]");
        spaced.append("\n] ,\r\n[").append(String.join(" , ", values)).append(" ]\n]");
        final double[] expected = new double[2 * values.length];
        for (int i = 0; i < expected.length; i++) {
            final String value = values[i % values.length];
            expected[i] = "null".equals(value) ? Double.NaN : Double.parseDouble(value);
        }
        for (final String json : new String[]{compact.toString(), spaced.toString()}) {
            assertBitsEqual(expected, readTokens(json, 2, values.length, 1), "token path " + json);
            for (final int bufferSize : BUFFER_SIZES) {
                assertBitsEqual(expected, readScanned(json, 2, values.length, 1, bufferSize, false), "buffer " + bufferSize + " " + json);
                assertBitsEqual(expected, readScanned(json, 2, values.length, 1, bufferSize, true), "trickled, buffer " + bufferSize + " " + json);
            }
        }
        final double[] kilometers = readScanned("[[1.5,null],[0.0001,2]]", 2, 2, 1000, 64, false);
        assertBitsEqual(new double[]{1500, Double.NaN, 0.0001 * 1000, 2000}, kilometers, "scaled");
        assertBitsEqual(new double[0], readScanned("[]", 0, 5, 1, 64, false), "no rows");
        assertBitsEqual(new double[0], readScanned("[[],[]]", 2, 0, 1, 64, false), "no columns");
    }

    @Test
    void matricesInsideObjectsAndArraysLeaveTheRestOfTheAnswerToJackson() throws Exception {
        // Valhalla's concise answer nests its matrices one object deeper; the rest of the answer must read as before
        final String body = "{\"a\":[1,{\"b\":[[2]]}],\"sources_to_targets\":{\"durations\":[[1,2],[3,4]],\"x\":[[[5]]],"
                + "\"distances\":[[5,6],[7,8]]},\"code\":\"Ok\",\"message\":\"after\"}";
        for (final int bufferSize : BUFFER_SIZES) {
            final double[] durations = new double[4];
            final double[] distances = new double[4];
            final List<String> fieldsAfter = new ArrayList<>();
            final JsonAnswers.Answer answer = JsonAnswers.readObject(trickle(body.getBytes(StandardCharsets.UTF_8), bufferSize < 64), "test",
                    Set.of("code", "message"), (field, value, parser) -> {
                        if (!"sources_to_targets".equals(field)) {
                            return false;
                        }
                        while (parser.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                            final String name = parser.currentName();
                            parser.nextToken();
                            switch (name) {
                                case "durations" -> JsonMatrices.readNested(parser, durations, 2, 2, 1, name, "test");
                                case "distances" -> JsonMatrices.readNested(parser, distances, 2, 2, 1, name, "test");
                                default -> parser.skipChildren();
                            }
                            assertEquals(com.fasterxml.jackson.core.JsonToken.END_ARRAY, parser.currentToken(), name);
                            fieldsAfter.add(name);
                        }
                        return true;
                    }, bufferSize);
            assertArrayEquals(new double[]{1, 2, 3, 4}, durations);
            assertArrayEquals(new double[]{5, 6, 7, 8}, distances);
            assertEquals(List.of("durations", "x", "distances"), fieldsAfter);
            assertEquals("Ok", answer.text("code"));
            assertEquals("after", answer.text("message"));
        }
    }

    @Test
    void brokenMatricesAreTransientWithTheCellNamed() throws Exception {
        // {json, rows, columns, what the message says}
        final Object[][] cases = {
                {"[[1,\"2\"]]", 1, 2, "m[0][1] is VALUE_STRING, not a number or null"},
                {"[[1,true]]", 1, 2, "m[0][1] is VALUE_TRUE, not a number or null"},
                {"[[1,{\"a\":1}]]", 1, 2, "m[0][1] is START_OBJECT, not a number or null"},
                {"[[1,[2]]]", 1, 2, "m[0][1] is START_ARRAY, not a number or null"},
                {"[[1,-51]]", 1, 2, "m[0][1] = -51.0 is not a finite non-negative number"},
                {"[[1,-50.5]]", 1, 2, "m[0][1] = -50.5 is not a finite non-negative number"},
                {"[[1,1e400]]", 1, 2, "m[0][1] = Infinity is not a finite non-negative number"},
                {"[[1],[2],[3]]", 2, 1, "m has more than the 2 rows requested"},
                {"[[1],[2]]", 3, 1, "m has 2 rows, 3 were requested"},
                {"[]", 1, 1, "m has 0 rows, 1 were requested"},
                {"[[1,2,3]]", 1, 2, "m[0] has more than the 2 columns requested"},
                {"[[1]]", 1, 2, "m[0] has 1 columns, 2 were requested"},
                {"[[1,2],[3]]", 2, 2, "m[1] has 1 columns, 2 were requested"},
                {"[[1,2],null]", 2, 2, "m[1] is VALUE_NULL, expected START_ARRAY"},
                {"[[1,2],\"x\"]", 2, 2, "m[1] is VALUE_STRING, expected START_ARRAY"},
        };
        for (final Object[] broken : cases) {
            final String json = (String) broken[0];
            final int rows = (Integer) broken[1];
            final int columns = (Integer) broken[2];
            final String expected = "invalid test response: " + broken[3];
            assertEquals(expected, tokenPathError(json, rows, columns).getMessage(), json);
            for (final int bufferSize : BUFFER_SIZES) {
                final RoutingException scanned = scannerError(json, rows, columns, bufferSize);
                assertEquals(expected, scanned.getMessage(), json + " buffer " + bufferSize);
            }
        }
        // a row that is a number: the token path names the token, the scanner says it is a number
        assertTrue(scannerError("[[1,2],3]", 2, 2, 64).getMessage().contains("m[1] is a number, expected START_ARRAY"));
        assertTrue(tokenPathError("[[1,2],3]", 2, 2).getMessage().contains("m[1] is VALUE_NUMBER_INT, expected START_ARRAY"));
    }

    @Test
    void malformedMatricesAreTransientAndSayWhere() throws Exception {
        // {json, what the scanner's message says after "malformed or truncated JSON: "}
        final String[][] cases = {
                {"[[1 2]]", "expected ',' or ']' after m[0][0], found '2'"},
                {"[[1,2][3,4]]", "expected ',' or ']' after m[0], found '['"},
                {"[[1,NaN]]", "expected a number or null at m[0][1], found 'N'"},
                {"[[1,-Infinity]]", "m[0][1] is '-', not a JSON number"},
                {"[[1,01]]", "m[0][1] is '01', not a JSON number"},
                {"[[1,-01.5]]", "m[0][1] is '-01.5', not a JSON number"},
                {"[[1,2.]]", "m[0][1] is '2.', not a JSON number"},
                {"[[1,.5]]", "expected a number or null at m[0][1], found '.'"},
                {"[[1,+5]]", "expected a number or null at m[0][1], found '+'"},
                {"[[1,1e]]", "m[0][1] is '1e', not a JSON number"},
                {"[[1,1e+]]", "m[0][1] is '1e+', not a JSON number"},
                {"[[1,1.5.2]]", "expected ',' or ']' after m[0][1], found '.'"},
                {"[[1,2x]]", "expected ',' or ']' after m[0][1], found 'x'"},
                {"[[1,nul]]", "m[0][1] is neither a number nor null"},
                {"[[1,nulll]]", "expected ',' or ']' after m[0][1], found 'l'"},
                {"[[1,]]", "expected a number or null at m[0][1], found ']'"},
                {"[[1,2],]", "expected START_ARRAY at m[1], found ']'"},
                {"[[1,\u00002]]", "expected a number or null at m[0][1], found byte 0x0"},
                {"[[1,\u000b2]]", "expected a number or null at m[0][1], found byte 0xb"},
        };
        for (final String[] malformed : cases) {
            final String json = malformed[0];
            final String expected = "invalid test response: malformed or truncated JSON: " + malformed[1];
            final RoutingException tokens = tokenPathError(json, 1, 2);
            assertTrue(tokens.getMessage().startsWith("invalid test response: "), tokens.getMessage());
            for (final int bufferSize : BUFFER_SIZES) {
                assertEquals(expected, scannerError(json, 1, 2, bufferSize).getMessage(), json + " buffer " + bufferSize);
            }
        }
        final String longNumber = "1".repeat(1001);
        assertEquals("invalid test response: malformed or truncated JSON: m[0][1] is a number longer than 1000 characters",
                scannerError("[[1," + longNumber + "]]", 1, 2, 64).getMessage());
        assertEquals(RoutingException.Kind.TRANSIENT, tokenPathError("[[1," + longNumber + "]]", 1, 2).kind());
    }

    @Test
    void aBodyCutAnywhereInsideTheMatrixIsTransient() throws Exception {
        final String body = "{\"m\":[[1.5, null ,-0.2,1e3],[ 12345678901234567,0,3600.5,7]],\"code\":\"Ok\"}";
        final int matrixStart = body.indexOf("[[");
        final int matrixEnd = body.indexOf("]]") + 2;
        for (int cut = matrixStart; cut < matrixEnd; cut++) {
            final byte[] truncated = body.substring(0, cut).getBytes(StandardCharsets.UTF_8);
            for (final int bufferSize : BUFFER_SIZES) {
                final RoutingException error = assertThrows(RoutingException.class,
                        () -> readAnswer(new ByteArrayInputStream(truncated), 2, 4, 1, bufferSize), body.substring(0, cut));
                assertEquals(RoutingException.Kind.TRANSIENT, error.kind(), error.getMessage());
                assertTrue(error.getMessage().startsWith("invalid test response: malformed or truncated JSON: "), error.getMessage());
            }
        }
        final double[] whole = readAnswer(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), 2, 4, 1, 7);
        assertBitsEqual(new double[]{1.5, Double.NaN, -0.2, 1000, 12345678901234567d, 0, 3600.5, 7}, whole, body);
    }

    @Test
    void anyByteAfterTheDigitsEndsTheNumberOnlyWhereJsonSaysSo() throws Exception {
        // the scanner finds the end of a number eight bytes at a time; every byte value after digits, in the middle of a long row
        final String before = "[[" + "1234.5,".repeat(40);
        final String after = ",7" + ",1234.5".repeat(40) + "]]";
        for (int b = 0; b < 256; b++) {
            for (final String number : new String[]{"12", "1234567", "0.1234567", "-3.25"}) {
                final byte[] body = ("{\"m\":" + before + number + (char) b + after + ",\"code\":\"Ok\"}").getBytes(StandardCharsets.ISO_8859_1);
                final boolean whitespace = b == ' ' || b == '\n' || b == '\r' || b == '\t';
                final boolean digit = b >= '0' && b <= '9';
                if (whitespace) {
                    final double[] cells = readAnswer(new ByteArrayInputStream(body), 1, 82, 1, JsonMatrixScanner.DEFAULT_BUFFER_SIZE);
                    assertEquals(Double.parseDouble(number), cells[40], number + " byte " + b);
                    assertEquals(7, cells[41]);
                } else if (!digit && b != ',') {
                    final RoutingException error = assertThrows(RoutingException.class,
                            () -> readAnswer(new ByteArrayInputStream(body), 1, 82, 1, JsonMatrixScanner.DEFAULT_BUFFER_SIZE), number + " byte " + b);
                    assertEquals(RoutingException.Kind.TRANSIENT, error.kind());
                }
            }
        }
    }

    private static RoutingException tokenPathError(final String json, final int rows, final int columns) {
        final RoutingException error = assertThrows(RoutingException.class, () -> readTokens(json, rows, columns, 1), json);
        assertEquals(RoutingException.Kind.TRANSIENT, error.kind(), error.getMessage());
        return error;
    }

    private static RoutingException scannerError(final String json, final int rows, final int columns, final int bufferSize) {
        final RoutingException error = assertThrows(RoutingException.class, () -> readScanned(json, rows, columns, 1, bufferSize, bufferSize < 64),
                json);
        assertEquals(RoutingException.Kind.TRANSIENT, error.kind(), error.getMessage());
        return error;
    }

    /** {@code json} as the field {@code m} of an answer, between other fields, read by the byte scanner of {@link JsonAnswers#readObject}. */
    private static double[] readScanned(final String json, final int rows, final int columns, final double scale, final int bufferSize, final boolean trickled)
            throws RoutingException {
        return readAnswer(trickle(answer(json).getBytes(StandardCharsets.UTF_8), trickled), rows, columns, scale, bufferSize);
    }

    /** The same through the token path: Jackson reads a UTF-16 body through characters, so the scanner is not used. */
    private static double[] readTokens(final String json, final int rows, final int columns, final double scale) throws RoutingException {
        return readAnswer(new ByteArrayInputStream(answer(json).getBytes(Charset.forName("UTF-16BE"))), rows, columns, scale, 64);
    }

    private static String answer(final String json) {
        return "{\"before\":[1,{\"a\":[[2]]}],\"m\":" + json + ",\"code\":\"Ok\"}";
    }

    private static double[] readAnswer(final InputStream body, final int rows, final int columns, final double scale, final int bufferSize)
            throws RoutingException {
        final double[] cells = new double[rows * columns];
        Arrays.fill(cells, -99);
        final JsonAnswers.Answer answer = JsonAnswers.readObject(body, "test", Set.of("code"), (field, value, parser) -> {
            if ("m".equals(field)) {
                JsonMatrices.readNested(parser, cells, rows, columns, scale, "m", "test");
                return true;
            }
            return false;
        }, bufferSize);
        assertEquals("Ok", answer.text("code"));
        return cells;
    }

    /** A body that arrives one to five bytes per read, as a slow network gives it. */
    private static InputStream trickle(final byte[] body, final boolean trickled) {
        final InputStream whole = new ByteArrayInputStream(body);
        if (!trickled) {
            return whole;
        }
        final Random random = new Random(body.length);
        return new FilterInputStream(whole) {
            @Override
            public int read(final byte[] into, final int offset, final int length) throws IOException {
                return super.read(into, offset, Math.min(length, 1 + random.nextInt(5)));
            }
        };
    }

    /** A short decimal most of the time, else null, an exponent or a long number; negatives only where a reader accepts them. */
    private static String randomNumber(final Random random) {
        final int kind = random.nextInt(100);
        if (kind == 0) {
            return "null";
        }
        if (kind == 1) {
            return (1 + random.nextInt(9)) + "." + random.nextInt(1000) + (random.nextBoolean() ? "e" : "E") + (random.nextBoolean() ? "-" : "")
                    + random.nextInt(30);
        }
        final StringBuilder text = new StringBuilder();
        final int digits = kind == 2 ? 16 + random.nextInt(10) : 1 + random.nextInt(15);
        final int point = random.nextInt(digits);
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0) {
                text.append('.');
            }
            // no leading zero before further integer digits: JSON does not allow it
            text.append((char) ('0' + (d == 0 && point != 1 && digits > 1 ? 1 + random.nextInt(9) : random.nextInt(10))));
        }
        if (random.nextInt(4) == 0 && Double.parseDouble(text.toString()) <= 50) {
            text.insert(0, '-');
        }
        return text.toString();
    }

    private static String whitespace(final Random random) {
        final String[] kinds = {"", " ", "\n", "\r\n", "\t", "  \n\t "};
        return kinds[random.nextInt(kinds.length)];
    }

    private static void assertBitsEqual(final double[] expected, final double[] actual, final String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                fail(what + ": cell " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
