package io.github.nifirouting.accessibility;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tiles of one origin chunk held until every destination block arrived, like a bin of MergeRecord: the held
 * items (FlowFiles, in the bin's own session {@code S}) and the per-origin accumulators their rows were already read
 * into. Changed only by {@link ChunkBinManager}, under its lock.
 */
public final class ChunkBin<S, H> {

    private final TileSlot first;
    private final S session;
    private final AccessibilityScorer scorer;
    private final BitSet arrived = new BitSet();
    private final List<H> held = new ArrayList<>();
    private final Map<String, OriginScores> origins = new LinkedHashMap<>();
    private long rows;
    private long heldBytes;
    private long lastArrivalNanos;
    private boolean stallReported;

    ChunkBin(final TileSlot first, final S session, final AccessibilityScorer scorer, final long nowNanos) {
        this.first = first;
        this.session = session;
        this.scorer = scorer;
        this.lastArrivalNanos = nowNanos;
    }

    /** Adds a tile's partial scores; returns the bytes it added (accumulators of origins new to the chunk, records reserved). */
    long add(final TileSlot slot, final Map<String, OriginScores> partial, final long tileRows, final H item, final long itemBytes, final long nowNanos) {
        // The first tile reserves the records of every tile the chunk will hold, so a chunk's bytes are known when it opens.
        long added = held.isEmpty() ? itemBytes * first.destinationBlocks() : 0;
        for (final Map.Entry<String, OriginScores> entry : partial.entrySet()) {
            final OriginScores existing = origins.get(entry.getKey());
            if (existing == null) {
                origins.put(entry.getKey(), entry.getValue());
                added += entry.getValue().estimatedBytes(entry.getKey());
            } else {
                existing.merge(entry.getValue());
            }
        }
        rows += tileRows;
        arrived.set(slot.destinationBlock());
        held.add(item);
        heldBytes += added;
        lastArrivalNanos = nowNanos;
        stallReported = false;
        return added;
    }

    boolean hasArrived(final int destinationBlock) {
        return arrived.get(destinationBlock);
    }

    public boolean isComplete() {
        return arrived.cardinality() == first.destinationBlocks();
    }

    public TileSlot first() {
        return first;
    }

    public S session() {
        return session;
    }

    public AccessibilityScorer scorer() {
        return scorer;
    }

    public List<H> held() {
        return Collections.unmodifiableList(held);
    }

    public Map<String, OriginScores> origins() {
        return Collections.unmodifiableMap(origins);
    }

    public long rows() {
        return rows;
    }

    /** Estimated heap of the accumulators and held FlowFile records. */
    public long heldBytes() {
        return heldBytes;
    }

    long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    boolean stallReported() {
        return stallReported;
    }

    void markStallReported() {
        stallReported = true;
    }

    /** Which destination blocks arrived, for messages: "1 of 2 destination blocks arrived (missing 0)". */
    public String progress() {
        final StringBuilder missing = new StringBuilder();
        int listed = 0;
        for (int part = arrived.nextClearBit(0); part < first.destinationBlocks() && listed < 10; part = arrived.nextClearBit(part + 1), listed++) {
            missing.append(listed == 0 ? "" : ", ").append(part);
        }
        return arrived.cardinality() + " of " + first.destinationBlocks() + " destination blocks arrived (missing " + missing
                + (first.destinationBlocks() - arrived.cardinality() > listed ? ", ..." : "") + ")";
    }
}
