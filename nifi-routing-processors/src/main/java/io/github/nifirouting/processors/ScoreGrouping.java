package io.github.nifirouting.processors;

import org.apache.nifi.components.DescribedValue;

/** How ScoreAccessibility finds every row of an origin: across the tiles of its origin chunk, or in one FlowFile. */
public enum ScoreGrouping implements DescribedValue {
    ORIGIN_CHUNK("origin-chunk", "Origin chunk (tile attributes)",
            "Tiles from InvokeRoutingMatrix are held until every destination block of their origin chunk arrived (fragment.identifier + "
                    + "tile.origin.block.index, counting tile.destination.block.index up to tile.destination.block.count), then scored "
                    + "together; with 2SFCA, a first pass first counts every tile of the run (fragment.index up to fragment.count) into "
                    + "the 2SFCA State Directory. A FlowFile without these attributes is scored on its own."),
    FLOWFILE("flowfile", "Each FlowFile",
            "Every FlowFile holds all rows of its origins (e.g. merged upstream, or a small matrix) and is scored on its own.");

    private final String value;
    private final String displayName;
    private final String description;

    ScoreGrouping(final String value, final String displayName, final String description) {
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

    public static ScoreGrouping fromValue(final String value) {
        for (final ScoreGrouping grouping : values()) {
            if (grouping.value.equals(value)) {
                return grouping;
            }
        }
        throw new IllegalArgumentException("unknown grouping " + value);
    }
}
