package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonParser;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The short-decimal path of the matrix reader gives exactly the doubles of {@link Double#parseDouble}, and leaves the rest to Jackson. */
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
}
