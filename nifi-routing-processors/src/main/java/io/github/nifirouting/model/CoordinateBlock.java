package io.github.nifirouting.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable block of points held as flat primitive arrays: identifiers as one UTF-8 byte array with
 * offsets, latitudes and longitudes as {@code double[]}. About 16 bytes per point plus the id bytes, so
 * a million points with short ids fit in roughly 30 MB, where a {@code List<Point>} would need three times that.
 * <p>
 * A block may be a view ({@link #slice}) onto a larger block; views share the arrays and copy nothing.
 */
public final class CoordinateBlock {

    private static final CoordinateBlock EMPTY = new CoordinateBlock(new byte[0], new int[]{0}, new double[0], new double[0], 0, 0);

    private final byte[] idBytes;
    private final int[] idOffsets;
    private final double[] latitudes;
    private final double[] longitudes;
    private final int start;
    private final int size;

    private CoordinateBlock(final byte[] idBytes, final int[] idOffsets, final double[] latitudes, final double[] longitudes,
                            final int start, final int size) {
        this.idBytes = idBytes;
        this.idOffsets = idOffsets;
        this.latitudes = latitudes;
        this.longitudes = longitudes;
        this.start = start;
        this.size = size;
    }

    public static CoordinateBlock empty() {
        return EMPTY;
    }

    /** Convenience for tests and small blocks. */
    public static CoordinateBlock of(final String[] ids, final double[] latitudes, final double[] longitudes) {
        if (ids.length != latitudes.length || ids.length != longitudes.length) {
            throw new IllegalArgumentException("ids, latitudes and longitudes must have the same length");
        }
        final Builder builder = new Builder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            builder.add(ids[i], latitudes[i], longitudes[i]);
        }
        return builder.build();
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public String id(final int index) {
        final int i = checkedIndex(index);
        return new String(idBytes, idOffsets[i], idOffsets[i + 1] - idOffsets[i], StandardCharsets.UTF_8);
    }

    public double latitude(final int index) {
        return latitudes[checkedIndex(index)];
    }

    public double longitude(final int index) {
        return longitudes[checkedIndex(index)];
    }

    /** A view of {@code count} points starting at {@code from}; shares the arrays. */
    public CoordinateBlock slice(final int from, final int count) {
        if (from < 0 || count < 0 || from + count > size) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + (from + count) + ") of a block of " + size);
        }
        return new CoordinateBlock(idBytes, idOffsets, latitudes, longitudes, start + from, count);
    }

    /** Bytes retained by the backing arrays (shared with any other view of them). */
    public long retainedBytes() {
        return 16L * 4 + idBytes.length + 4L * idOffsets.length + 8L * latitudes.length + 8L * longitudes.length;
    }

    private int checkedIndex(final int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("point " + index + " of a block of " + size);
        }
        return start + index;
    }

    @Override
    public String toString() {
        return "CoordinateBlock[size=" + size + "]";
    }

    /** Appends points into growing primitive arrays; {@link #build()} trims them. */
    public static final class Builder {
        private byte[] idBytes;
        private int[] idOffsets;
        private double[] latitudes;
        private double[] longitudes;
        private int size;

        public Builder() {
            this(1024);
        }

        public Builder(final int expectedSize) {
            final int capacity = Math.max(16, expectedSize);
            idBytes = new byte[capacity * 8];
            idOffsets = new int[capacity + 1];
            latitudes = new double[capacity];
            longitudes = new double[capacity];
        }

        public Builder add(final String id, final double latitude, final double longitude) {
            final byte[] encoded = id.getBytes(StandardCharsets.UTF_8);
            if (size == latitudes.length) {
                final int capacity = latitudes.length + (latitudes.length >> 1) + 16;
                latitudes = Arrays.copyOf(latitudes, capacity);
                longitudes = Arrays.copyOf(longitudes, capacity);
                idOffsets = Arrays.copyOf(idOffsets, capacity + 1);
            }
            final int end = idOffsets[size];
            if (end + encoded.length > idBytes.length) {
                idBytes = Arrays.copyOf(idBytes, Math.max(end + encoded.length, idBytes.length + (idBytes.length >> 1) + 64));
            }
            System.arraycopy(encoded, 0, idBytes, end, encoded.length);
            latitudes[size] = latitude;
            longitudes[size] = longitude;
            idOffsets[size + 1] = end + encoded.length;
            size++;
            return this;
        }

        public int size() {
            return size;
        }

        public CoordinateBlock build() {
            return new CoordinateBlock(Arrays.copyOf(idBytes, idOffsets[size]), Arrays.copyOf(idOffsets, size + 1),
                    Arrays.copyOf(latitudes, size), Arrays.copyOf(longitudes, size), 0, size);
        }
    }
}
