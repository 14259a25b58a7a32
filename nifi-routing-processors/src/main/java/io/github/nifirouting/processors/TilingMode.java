package io.github.nifirouting.processors;

import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.components.DescribedValue;

/** How ChunkCoordinates cuts its input. */
public enum TilingMode implements DescribedValue {
    CHUNKS(TileAttributes.MODE_CHUNKS, "Chunks", "Split the valid points into consecutive chunks of Chunk Size records."),
    COORDINATE_SET(TileAttributes.MODE_COORDINATE_SET, "O-D tiles against a coordinate set",
            "Origins are the incoming points, destinations the points of a Coordinate Set service. One FlowFile per origin block x "
                    + "destination block, sized to the engine's matrix limits; tiles of one origin block share content."),
    ALL_PAIRS(TileAttributes.MODE_ALL_PAIRS, "O-D tiles all pairs",
            "Origins and destinations are both the incoming points. One FlowFile per ordered pair of blocks, holding the records "
                    + "of both blocks with an 'od_role' field (origin, destination, or both on the diagonal).");

    private final String value;
    private final String displayName;
    private final String description;

    TilingMode(final String value, final String displayName, final String description) {
        this.value = value;
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return value;
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }

    public static TilingMode fromValue(final String value) {
        for (final TilingMode mode : values()) {
            if (mode.value.equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown tiling mode " + value);
    }
}
