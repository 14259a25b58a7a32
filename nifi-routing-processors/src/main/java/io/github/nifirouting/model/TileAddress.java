package io.github.nifirouting.model;

import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.flowfile.attributes.FragmentAttributes;

import java.util.HashMap;
import java.util.Map;

/**
 * Where a tile belongs: the one typed value that crosses processors for tiles. ChunkCoordinates writes it with
 * {@link #toAttributes()}; InvokeRoutingMatrix, ScoreAccessibility and the tile reader read it with {@link #parse(Map)},
 * the only place that turns the attribute strings of {@link TileAttributes} back into numbers.
 * <p>
 * Every part is optional, because plain records (no tile attributes) and hand-made FlowFiles also reach these
 * processors: a missing number is {@link #ABSENT}, a missing text null.
 *
 * @param inputId                  {@code fragment.identifier}: the input FlowFile the tile was cut from
 * @param fragmentIndex            position of the tile among the outputs of its input
 * @param fragmentCount            outputs cut from the input
 * @param mode                     {@link TileAttributes#MODE}; null for plain records
 * @param originBlockIndex         the origin block (chunk) of the tile
 * @param originBlockCount         origin blocks of the input
 * @param originOffset             first origin among the valid input points
 * @param originSize               origins of the tile
 * @param destinationBlockIndex    the destination block; absent for chunks
 * @param destinationBlockCount    destination blocks per origin block
 * @param destinationOffset        first destination (in the coordinate set, or among the valid input points)
 * @param destinationSize          destinations of the tile
 * @param destinationSetId         the coordinate set service the destinations index into (coordinate-set tiles)
 * @param destinationSetVersion    the version of that set the tile was cut against
 */
public record TileAddress(String inputId, int fragmentIndex, int fragmentCount, String mode,
                          int originBlockIndex, int originBlockCount, long originOffset, long originSize,
                          int destinationBlockIndex, int destinationBlockCount, long destinationOffset, long destinationSize,
                          String destinationSetId, String destinationSetVersion) {

    /** A number the attributes did not give. */
    public static final int ABSENT = -1;

    /** Attributes that name no tile: plain records. */
    public static final TileAddress NONE = new TileAddress(null, ABSENT, ABSENT, null, ABSENT, ABSENT, ABSENT, ABSENT,
            ABSENT, ABSENT, ABSENT, ABSENT, null, null);

    /** An attribute that is present but not a number of the right kind; the message names it and its value. */
    public static final class InvalidTileAddressException extends IllegalArgumentException {
        public InvalidTileAddressException(final String message) {
            super(message);
        }
    }

    /** Reads the tile address of a FlowFile's attributes. */
    public static TileAddress parse(final Map<String, String> attributes) {
        return new TileAddress(attributes.get(FragmentAttributes.FRAGMENT_ID.key()),
                integer(attributes, FragmentAttributes.FRAGMENT_INDEX.key()), integer(attributes, FragmentAttributes.FRAGMENT_COUNT.key()),
                attributes.get(TileAttributes.MODE),
                integer(attributes, TileAttributes.ORIGIN_BLOCK_INDEX), integer(attributes, TileAttributes.ORIGIN_BLOCK_COUNT),
                number(attributes, TileAttributes.ORIGIN_OFFSET), number(attributes, TileAttributes.ORIGIN_SIZE),
                integer(attributes, TileAttributes.DESTINATION_BLOCK_INDEX), integer(attributes, TileAttributes.DESTINATION_BLOCK_COUNT),
                number(attributes, TileAttributes.DESTINATION_OFFSET), number(attributes, TileAttributes.DESTINATION_SIZE),
                attributes.get(TileAttributes.DESTINATION_SET_ID), attributes.get(TileAttributes.DESTINATION_SET_VERSION));
    }

    /** The attributes ChunkCoordinates writes for this address; absent parts are left out. */
    public Map<String, String> toAttributes() {
        final Map<String, String> attributes = new HashMap<>();
        put(attributes, FragmentAttributes.FRAGMENT_ID.key(), inputId);
        put(attributes, FragmentAttributes.FRAGMENT_INDEX.key(), fragmentIndex);
        put(attributes, FragmentAttributes.FRAGMENT_COUNT.key(), fragmentCount);
        put(attributes, TileAttributes.MODE, mode);
        put(attributes, TileAttributes.ORIGIN_BLOCK_INDEX, originBlockIndex);
        put(attributes, TileAttributes.ORIGIN_BLOCK_COUNT, originBlockCount);
        put(attributes, TileAttributes.ORIGIN_OFFSET, originOffset);
        put(attributes, TileAttributes.ORIGIN_SIZE, originSize);
        put(attributes, TileAttributes.DESTINATION_BLOCK_INDEX, destinationBlockIndex);
        put(attributes, TileAttributes.DESTINATION_BLOCK_COUNT, destinationBlockCount);
        put(attributes, TileAttributes.DESTINATION_OFFSET, destinationOffset);
        put(attributes, TileAttributes.DESTINATION_SIZE, destinationSize);
        put(attributes, TileAttributes.DESTINATION_SET_ID, destinationSetId);
        put(attributes, TileAttributes.DESTINATION_SET_VERSION, destinationSetVersion);
        return attributes;
    }

    /** A chunk of points (no destination block). */
    public static TileAddress chunk(final String inputId, final int index, final int count, final int originBlockCount,
                                    final long originOffset, final long originSize) {
        return new TileAddress(inputId, index, count, TileAttributes.MODE_CHUNKS, index, originBlockCount, originOffset, originSize,
                ABSENT, ABSENT, ABSENT, ABSENT, null, null);
    }

    /** An origin block paired with a destination block; {@code setId}/{@code setVersion} only for coordinate-set tiles. */
    public static TileAddress tile(final String inputId, final String mode, final int index, final int count,
                                   final int originBlock, final int originBlockCount, final long originOffset, final long originSize,
                                   final int destinationBlock, final int destinationBlockCount, final long destinationOffset,
                                   final long destinationSize, final String setId, final String setVersion) {
        return new TileAddress(inputId, index, count, mode, originBlock, originBlockCount, originOffset, originSize,
                destinationBlock, destinationBlockCount, destinationOffset, destinationSize, setId, setVersion);
    }

    public boolean isCoordinateSetTile() {
        return TileAttributes.MODE_COORDINATE_SET.equals(mode);
    }

    public boolean isAllPairsTile() {
        return TileAttributes.MODE_ALL_PAIRS.equals(mode);
    }

    public boolean hasOriginBlock() {
        return originBlockIndex != ABSENT;
    }

    public boolean hasDestinationBlock() {
        return destinationBlockIndex != ABSENT && destinationBlockCount != ABSENT;
    }

    public boolean hasFragment() {
        return inputId != null && fragmentIndex != ABSENT && fragmentCount != ABSENT;
    }

    /** The destinations of a coordinate-set tile as an int range of the set; fails with a message naming the attributes. */
    public int[] destinationRange() {
        if (destinationOffset == ABSENT || destinationSize == ABSENT) {
            throw new InvalidTileAddressException("a coordinate-set tile needs " + TileAttributes.DESTINATION_OFFSET + " and "
                    + TileAttributes.DESTINATION_SIZE);
        }
        if (destinationOffset > Integer.MAX_VALUE || destinationSize > Integer.MAX_VALUE) {
            throw new InvalidTileAddressException("destinations [" + destinationOffset + ", +" + destinationSize + ") exceed a coordinate set's size");
        }
        return new int[]{(int) destinationOffset, (int) destinationSize};
    }

    private static int integer(final Map<String, String> attributes, final String name) {
        final long value = number(attributes, name);
        if (value > Integer.MAX_VALUE) {
            throw new InvalidTileAddressException("attribute " + name + " '" + attributes.get(name) + "' is too large");
        }
        return (int) value;
    }

    private static long number(final Map<String, String> attributes, final String name) {
        final String text = attributes.get(name);
        if (text == null) {
            return ABSENT;
        }
        try {
            final long value = Long.parseLong(text.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (final NumberFormatException e) {
            throw new InvalidTileAddressException("attribute " + name + " '" + text + "' is not a non-negative integer");
        }
    }

    private static void put(final Map<String, String> attributes, final String name, final String value) {
        if (value != null) {
            attributes.put(name, value);
        }
    }

    private static void put(final Map<String, String> attributes, final String name, final long value) {
        if (value != ABSENT) {
            attributes.put(name, String.valueOf(value));
        }
    }
}
