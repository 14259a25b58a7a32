package io.github.nifirouting.parquet;

import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link HybridRuns} encodes, parquet-java's own decoder reads back value for value. */
class HybridRunsTest {

    @Test
    void parquetJavasDecoderReadsBackRunsLiteralsAndMixturesOfEveryWidth() throws Exception {
        final Random random = new Random(42);
        final HybridRuns runs = new HybridRuns();
        for (int bitWidth = 1; bitWidth <= 32; bitWidth++) {
            for (final int count : new int[]{1, 7, 8, 9, 63, 64, 65, 1000, 20_000}) {
                final int[] values = new int[count];
                int index = 0;
                while (index < count) {
                    // Runs of 1 to 40 equal values, or noise: every alignment of runs against groups of eight.
                    final int length = Math.min(count - index, 1 + random.nextInt(40));
                    final boolean run = random.nextBoolean();
                    final int value = randomValue(random, bitWidth);
                    for (int i = 0; i < length; i++) {
                        values[index++] = run ? value : randomValue(random, bitWidth);
                    }
                }
                runs.clear();
                runs.putHybrid(values, count, bitWidth);
                assertDecodes(runs, values, count, bitWidth);
            }
        }
    }

    @Test
    void longRunsTakeAFewBytesAndWidthZeroIsOneRun() throws Exception {
        final HybridRuns runs = new HybridRuns();
        final int[] ones = new int[20_000];
        java.util.Arrays.fill(ones, 1);
        runs.putHybrid(ones, ones.length, 1);
        assertTrue(runs.size() <= 4, "20,000 equal levels: " + runs.size() + " bytes");
        assertDecodes(runs, ones, ones.length, 1);

        // Runs of 1000 equal ids (an origin's row of pairs), width 10: a few bytes per run.
        final int[] origins = new int[20_000];
        for (int i = 0; i < origins.length; i++) {
            origins[i] = i / 1000;
        }
        runs.clear();
        runs.putHybrid(origins, origins.length, 10);
        assertTrue(runs.size() <= 20 * 4, "20 runs: " + runs.size() + " bytes");
        assertDecodes(runs, origins, origins.length, 10);

        runs.clear();
        runs.putHybrid(new int[50], 50, 0);
        assertDecodes(runs, new int[50], 50, 0);
    }

    private static int randomValue(final Random random, final int bitWidth) {
        return (int) (random.nextLong() & ((1L << bitWidth) - 1));
    }

    private static void assertDecodes(final HybridRuns runs, final int[] values, final int count, final int bitWidth) throws Exception {
        final byte[] bytes = runs.bytes().toByteArray();
        final RunLengthBitPackingHybridDecoder decoder = new RunLengthBitPackingHybridDecoder(bitWidth,
                ByteBufferInputStream.wrap(ByteBuffer.wrap(bytes)));
        for (int i = 0; i < count; i++) {
            assertEquals(values[i], decoder.readInt(), "value " + i + " of " + count + " at width " + bitWidth);
        }
    }
}
