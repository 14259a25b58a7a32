package io.github.nifirouting.accessibility;

import io.github.nifirouting.model.TileAddress;
import io.github.nifirouting.tiling.TileAttributes;

import java.util.Map;
import java.util.Set;

/**
 * Where a FlowFile of matrix rows belongs for scoring: its run, its origin chunk (the bin it is held in) and its
 * destination block within that chunk, plus, for 2SFCA's first pass, its position among the run's tiles, from the
 * FlowFile's {@link TileAddress}. This is the only place ScoreAccessibility reads tile attributes.
 *
 * @param run               fragment.identifier (from ChunkCoordinates)
 * @param originBlock       tile.origin.block.index: the origin chunk
 * @param originBlockCount  tile.origin.block.count, or null when not given
 * @param destinationBlock  tile.destination.block.index: the part of the chunk
 * @param destinationBlocks tile.destination.block.count: parts that complete the chunk
 * @param runIndex          fragment.index, or -1 when not given
 * @param runTiles          fragment.count, or -1 when not given
 * @param upstreamFailure   for a tile InvokeRoutingMatrix gave up on (its failure output): the kind and message; else null
 */
public record TileSlot(String run, int originBlock, String originBlockCount, int destinationBlock, int destinationBlocks,
                       int runIndex, int runTiles, String upstreamFailure) {

    public static final String FRAGMENT_ID = "fragment.identifier";
    public static final String FRAGMENT_INDEX = "fragment.index";
    public static final String FRAGMENT_COUNT = "fragment.count";
    /** Written by InvokeRoutingMatrix on retry and failure (EngineFailures). */
    static final String ROUTING_ERROR = "routing.error";
    static final String ROUTING_ERROR_KIND = "routing.error.kind";
    /** Written by InvokeRoutingMatrix on every rows FlowFile, never on a tile it failed. */
    static final String ROUTING_ENGINE = "routing.engine";
    /** Kinds InvokeRoutingMatrix only writes when it routes a tile to failure: the tile's rows will never come. */
    private static final Set<String> PERMANENT_KINDS = Set.of("REJECTED", "INVALID_TILE", "RETRIES_EXHAUSTED", "WRITE_FAILED");

    /**
     * Reads a FlowFile's attributes.
     *
     * @return null when the FlowFile is not part of a larger whole (no destination block attributes) and is scored on its own
     * @throws IllegalArgumentException when the attributes are present but malformed
     */
    public static TileSlot of(final Map<String, String> attributes) {
        final TileAddress address = TileAddress.parse(attributes);
        if (!address.hasDestinationBlock()) {
            return null;
        }
        if (address.inputId() == null || !address.hasOriginBlock()) {
            throw new IllegalArgumentException("a tile with " + TileAttributes.DESTINATION_BLOCK_INDEX + " needs " + FRAGMENT_ID + " and "
                    + TileAttributes.ORIGIN_BLOCK_INDEX + " to find its origin chunk");
        }
        final TileSlot slot = new TileSlot(address.inputId(), address.originBlockIndex(),
                address.originBlockCount() == TileAddress.ABSENT ? null : String.valueOf(address.originBlockCount()),
                address.destinationBlockIndex(), address.destinationBlockCount(), address.fragmentIndex(), address.fragmentCount(),
                upstreamFailure(attributes));
        if (slot.destinationBlock >= slot.destinationBlocks) {
            throw new IllegalArgumentException("destination block " + slot.destinationBlock + " of " + slot.destinationBlocks + " is out of range");
        }
        if (slot.runIndex >= 0 && slot.runTiles >= 0 && slot.runIndex >= slot.runTiles) {
            throw new IllegalArgumentException("tile " + slot.runIndex + " of " + slot.runTiles + " tiles of the run is out of range");
        }
        return slot;
    }

    /** The bin key of a FlowFile's origin chunk without validating the rest, or null when it is not a tile (for queue filters). */
    public static String chunkKeyOf(final Map<String, String> attributes) {
        final String run = attributes.get(FRAGMENT_ID);
        final String originBlock = attributes.get(TileAttributes.ORIGIN_BLOCK_INDEX);
        return run == null || originBlock == null || attributes.get(TileAttributes.DESTINATION_BLOCK_INDEX) == null ? null
                : run + "/" + originBlock.trim();
    }

    private static String upstreamFailure(final Map<String, String> attributes) {
        final String kind = attributes.get(ROUTING_ERROR_KIND);
        if (kind == null || attributes.get(ROUTING_ENGINE) != null || !PERMANENT_KINDS.contains(kind)) {
            return null;
        }
        return kind + ": " + attributes.getOrDefault(ROUTING_ERROR, "no message");
    }

    /** The origin chunk's bin key. */
    public String chunkKey() {
        return run + "/" + originBlock;
    }

    public String chunkLabel() {
        return "origin chunk " + originBlock + " of run " + run;
    }

    /** Whether the run position (fragment.index of fragment.count) that 2SFCA's first pass needs is present. */
    public boolean hasRunPosition() {
        return runIndex >= 0 && runTiles > 0;
    }
}
