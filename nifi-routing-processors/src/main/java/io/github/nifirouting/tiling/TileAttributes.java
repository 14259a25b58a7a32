package io.github.nifirouting.tiling;

/**
 * The FlowFile attribute contract between ChunkCoordinates (which cuts tiles) and the processors that route
 * them. A tile's content holds the original input records unchanged; these attributes say what they are.
 *
 * <ul>
 *   <li>{@link #MODE_CHUNKS}: the records are one chunk of points. Consumers route them against their own
 *       destinations (a coordinate set) or among themselves.</li>
 *   <li>{@link #MODE_COORDINATE_SET}: the records are the origins; the destinations are the points
 *       {@code [DESTINATION_OFFSET, DESTINATION_OFFSET + DESTINATION_SIZE)} of the coordinate set service
 *       {@code DESTINATION_SET_ID}, as loaded at version {@code DESTINATION_SET_VERSION}.</li>
 *   <li>{@link #MODE_ALL_PAIRS}: the records carry an extra field {@link #ROLE_FIELD} whose value is
 *       {@link #ROLE_ORIGIN}, {@link #ROLE_DESTINATION} or {@link #ROLE_BOTH} (a point of a diagonal tile).</li>
 * </ul>
 */
public final class TileAttributes {

    public static final String MODE = "tile.mode";
    public static final String MODE_CHUNKS = "chunks";
    public static final String MODE_COORDINATE_SET = "coordinate-set";
    public static final String MODE_ALL_PAIRS = "all-pairs";

    public static final String ORIGIN_BLOCK_INDEX = "tile.origin.block.index";
    public static final String ORIGIN_BLOCK_COUNT = "tile.origin.block.count";
    public static final String ORIGIN_OFFSET = "tile.origin.offset";
    public static final String ORIGIN_SIZE = "tile.origin.size";
    public static final String DESTINATION_BLOCK_INDEX = "tile.destination.block.index";
    public static final String DESTINATION_BLOCK_COUNT = "tile.destination.block.count";
    public static final String DESTINATION_OFFSET = "tile.destination.offset";
    public static final String DESTINATION_SIZE = "tile.destination.size";
    /** Identifier of the coordinate set controller service the destinations index into. */
    public static final String DESTINATION_SET_ID = "tile.destination.set.id";
    /** {@link io.github.nifirouting.model.CoordinateSet#version()} the tile was cut against. */
    public static final String DESTINATION_SET_VERSION = "tile.destination.set.version";

    public static final String ROLE_FIELD = "od_role";
    public static final String ROLE_ORIGIN = "origin";
    public static final String ROLE_DESTINATION = "destination";
    public static final String ROLE_BOTH = "both";

    private TileAttributes() {
    }
}
