package io.github.nifirouting.parquet;

import org.apache.parquet.bytes.BytesInput;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A growable little-endian byte buffer for one Parquet page, with the RLE / bit-packing hybrid encoding Parquet uses for
 * definition levels and dictionary ids (format spec, "Run Length Encoding / Bit-Packing Hybrid"): runs of eight or more
 * equal values become one RLE run, everything else bit-packed groups of eight, the last group padded with zeros (readers
 * stop at the page's value count). Whole arrays are encoded at once, so the common cases cost a scan: a page of ids
 * that repeat for a whole origin is a few RLE runs, a page without nulls is one run of definition level 1.
 *
 * <p>The buffer is reused page after page; {@link #bytes()} is valid until the next {@link #clear()}.
 */
final class HybridRuns {

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** Shorter runs of equal values are cheaper bit-packed (and must be, to keep the groups of eight aligned). */
    private static final int MIN_RLE_RUN = 8;

    private byte[] buffer = new byte[1 << 12];
    private int size;

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    /** The bytes written since {@link #clear()}, not copied. */
    BytesInput bytes() {
        return BytesInput.from(buffer, 0, size);
    }

    void putByte(final int value) {
        ensure(1);
        buffer[size++] = (byte) value;
    }

    void putIntLittleEndian(final int value) {
        ensure(4);
        INT_LE.set(buffer, size, value);
        size += 4;
    }

    /** Writes a 4-byte little-endian int later, at a position {@link #reserveInt()} returned. */
    int reserveInt() {
        ensure(4);
        size += 4;
        return size - 4;
    }

    void putIntAt(final int position, final int value) {
        INT_LE.set(buffer, position, value);
    }

    void putDoubleLittleEndian(final double value) {
        ensure(8);
        LONG_LE.set(buffer, size, Double.doubleToRawLongBits(value));
        size += 8;
    }

    /** Puts the values of {@code values[0..count)} that are not NaN, 8 bytes little-endian each. */
    void putDoublesNotNaN(final double[] values, final int count) {
        ensure(count * Double.BYTES);
        int position = size;
        for (int index = 0; index < count; index++) {
            final double value = values[index];
            if (value == value) {
                LONG_LE.set(buffer, position, Double.doubleToRawLongBits(value));
                position += Double.BYTES;
            }
        }
        size = position;
    }

    void putBytes(final byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
    }

    private void putVarInt(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buffer[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[size++] = (byte) value;
    }

    /**
     * Appends {@code values[0..count)} (each below 2^bitWidth) RLE / bit-packing hybrid encoded with {@code bitWidth}
     * bits per value (0 to 32), without the length or bit-width prefix: the caller adds what its page layout needs.
     */
    void putHybrid(final int[] values, final int count, final int bitWidth) {
        if (count == 0) {
            return;
        }
        if (bitWidth == 0) {
            putRleRun(count, 0, 0);
            return;
        }
        int literalStart = 0;
        int index = 0;
        while (index < count) {
            final int value = values[index];
            int runEnd = index + 1;
            while (runEnd < count && values[runEnd] == value) {
                runEnd++;
            }
            // Literals must come in groups of eight: borrow the run's head to fill the pending literals' last group.
            final int padding = (8 - (index - literalStart) % 8) % 8;
            if (runEnd - index - padding >= MIN_RLE_RUN) {
                putBitPacked(values, literalStart, index + padding, bitWidth);
                putRleRun(runEnd - index - padding, value, bitWidth);
                literalStart = runEnd;
            }
            index = runEnd;
        }
        putBitPacked(values, literalStart, count, bitWidth);
    }

    /** One RLE run of {@code length} times {@code value}. */
    void putRleRun(final int length, final int value, final int bitWidth) {
        putVarInt((long) length << 1);
        for (int bits = 0; bits < bitWidth; bits += 8) {
            putByte(value >>> bits);
        }
    }

    /** {@code values[from..to)}, a multiple of eight unless it is the end of the values, as one bit-packed run. */
    private void putBitPacked(final int[] values, final int from, final int to, final int bitWidth) {
        if (from >= to) {
            return;
        }
        final int groups = (to - from + 7) / 8;
        putVarInt(((long) groups << 1) | 1);
        ensure(groups * bitWidth);
        long pending = 0;
        int pendingBits = 0;
        final int end = from + groups * 8;
        for (int index = from; index < end; index++) {
            final long value = index < to ? values[index] & 0xFFFFFFFFL : 0;
            pending |= value << pendingBits;
            pendingBits += bitWidth;
            while (pendingBits >= 8) {
                buffer[size++] = (byte) pending;
                pending >>>= 8;
                pendingBits -= 8;
            }
        }
        // Eight values of bitWidth bits are exactly bitWidth bytes: nothing is left pending.
    }

    private void ensure(final int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }

    /** Bits needed for the values 0 .. maxValue (0 for a single value). */
    static int bitWidth(final int maxValue) {
        return 32 - Integer.numberOfLeadingZeros(maxValue);
    }
}
