package io.github.nifirouting.accessibility;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Holds origin chunks open until complete, the way NiFi's BinManager holds MergeRecord's bins: one {@link ChunkBin}
 * per origin chunk (run + origin block), each with its own session {@code S} created when its first tile arrives.
 * <p>
 * Delays are never failures: a chunk stays open as long as its tiles may still come (in retry upstream, behind an
 * open circuit, on another node's queue). A chunk is only closed by completion or by {@link #fail} for a reason that
 * makes it unscorable (a bad row, a tile that failed upstream). Memory, not a chunk count, is the bound: while the
 * held bytes are at or above {@code maxHeldBytes}, {@link #admits} refuses tiles that would open a new chunk, so they
 * stay queued (back-pressure) while tiles of open chunks are still taken and complete them.
 * <p>
 * Thread-safe: every method locks the manager; the callbacks of {@link #offer} run under that lock so a tile is in
 * its chunk's session before another thread can complete the chunk.
 */
public final class ChunkBinManager<S, H> {

    /** Failed chunks remembered, so their late tiles fail at once instead of opening a chunk that cannot complete. */
    private static final int FAILED_CHUNKS_REMEMBERED = 10_000;

    public enum Outcome {
        /** Added to its open chunk, which still waits for other blocks. */
        ADDED,
        /** Added, and the chunk is complete: it was removed from the manager and is the caller's to score. */
        COMPLETE,
        /** The chunk already has this destination block: not counted, the caller fails the tile. */
        DUPLICATE,
        /** The tile disagrees with its chunk's first tile on the number of destination blocks. */
        MISMATCH,
        /** The chunk failed before: the caller fails the tile with {@link Offer#reason()}. */
        FAILED_BEFORE
    }

    public record Offer<S, H>(Outcome outcome, ChunkBin<S, H> bin, String reason) {
    }

    private final LinkedHashMap<String, ChunkBin<S, H>> bins = new LinkedHashMap<>();
    private final Map<String, String> failed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, String> eldest) {
            return size() > FAILED_CHUNKS_REMEMBERED;
        }
    };
    private final LongSupplier nanoClock;
    private long maxHeldBytes;
    private long heldBytes;
    private long peakHeldBytes;

    public ChunkBinManager(final long maxHeldBytes, final LongSupplier nanoClock) {
        this.maxHeldBytes = maxHeldBytes;
        this.nanoClock = nanoClock;
    }

    public synchronized void setMaxHeldBytes(final long maxHeldBytes) {
        this.maxHeldBytes = maxHeldBytes;
    }

    /**
     * Whether a queued tile of chunk {@code chunkKey} may be taken now: always when it belongs to an open chunk (it can
     * only bring that chunk closer to completion) or is no tile (null), otherwise only while under the memory bound.
     */
    public synchronized boolean admits(final String chunkKey) {
        return chunkKey == null || heldBytes < maxHeldBytes || bins.containsKey(chunkKey);
    }

    public synchronized boolean isFull() {
        return heldBytes >= maxHeldBytes;
    }

    /** Why the chunk failed, or null. */
    public synchronized String failure(final String chunkKey) {
        return failed.get(chunkKey);
    }

    /**
     * Adds a tile whose rows were read into {@code partial} to its chunk, opening the chunk (with a new session) if
     * needed. On ADDED and COMPLETE, {@code handOver} has moved the tile into the chunk's session and returned the
     * item to hold.
     *
     * @param itemBytes estimated heap of the held item itself (its FlowFile record)
     */
    public synchronized Offer<S, H> offer(final TileSlot slot, final AccessibilityScorer scorer, final Map<String, OriginScores> partial,
                                          final long rows, final long itemBytes, final Supplier<S> newSession, final Function<S, H> handOver) {
        final String key = slot.chunkKey();
        final String failure = failed.get(key);
        if (failure != null) {
            return new Offer<>(Outcome.FAILED_BEFORE, null, slot.chunkLabel() + " not scored: " + failure);
        }
        ChunkBin<S, H> bin = bins.get(key);
        if (bin != null && bin.first().destinationBlocks() != slot.destinationBlocks()) {
            return new Offer<>(Outcome.MISMATCH, bin, "the tile says its " + slot.chunkLabel() + " has " + slot.destinationBlocks()
                    + " destination blocks, its first tile said " + bin.first().destinationBlocks());
        }
        if (bin != null && bin.hasArrived(slot.destinationBlock())) {
            return new Offer<>(Outcome.DUPLICATE, bin, "duplicate tile " + slot.destinationBlock() + " of " + slot.chunkLabel()
                    + ": its rows were already counted");
        }
        if (bin == null) {
            bin = new ChunkBin<>(slot, newSession.get(), scorer, nanoClock.getAsLong());
            bins.put(key, bin);
        }
        final H item = handOver.apply(bin.session());
        heldBytes += bin.add(slot, partial, rows, item, itemBytes, nanoClock.getAsLong());
        peakHeldBytes = Math.max(peakHeldBytes, heldBytes);
        if (bin.isComplete()) {
            remove(key);
            return new Offer<>(Outcome.COMPLETE, bin, null);
        }
        return new Offer<>(Outcome.ADDED, bin, null);
    }

    /** Fails a chunk for a reason that makes it unscorable: returns its bin (to release its tiles) or null if none was open. */
    public synchronized ChunkBin<S, H> fail(final String chunkKey, final String reason) {
        failed.put(chunkKey, reason);
        return remove(chunkKey);
    }

    /**
     * Open chunks that received no tile for {@code quietNanos}, each reported once per quiet spell. They stay open:
     * this is for warnings, not eviction.
     */
    public synchronized List<ChunkBin<S, H>> newlyStalled(final long quietNanos) {
        final long now = nanoClock.getAsLong();
        final List<ChunkBin<S, H>> stalled = new ArrayList<>();
        for (final ChunkBin<S, H> bin : bins.values()) {
            if (!bin.stallReported() && now - bin.lastArrivalNanos() >= quietNanos) {
                bin.markStallReported();
                stalled.add(bin);
            }
        }
        return stalled;
    }

    /** Removes every open chunk (to hand their tiles back when the processor stops) and forgets failures. */
    public synchronized List<ChunkBin<S, H>> drain() {
        final List<ChunkBin<S, H>> all = new ArrayList<>(bins.values());
        bins.clear();
        failed.clear();
        heldBytes = 0;
        return all;
    }

    public synchronized int openChunks() {
        return bins.size();
    }

    public synchronized long heldBytes() {
        return heldBytes;
    }

    /** The most bytes held at once since the manager was created. */
    public synchronized long peakHeldBytes() {
        return peakHeldBytes;
    }

    private ChunkBin<S, H> remove(final String key) {
        final ChunkBin<S, H> bin = bins.remove(key);
        if (bin != null) {
            heldBytes -= bin.heldBytes();
        }
        return bin;
    }

    /** Estimated heap of a held FlowFile record: the object, its attribute map and strings (content is not in heap). */
    public static long flowFileRecordBytes(final Map<String, String> attributes) {
        long bytes = 256;
        for (final Map.Entry<String, String> attribute : attributes.entrySet()) {
            bytes += 32 + 48 + attribute.getKey().length() + attribute.getValue().length();
        }
        return bytes;
    }

    /** For tests and diagnostics: the open chunks' keys, oldest first. */
    public synchronized List<String> openChunkKeys() {
        final List<String> keys = new ArrayList<>();
        for (final Iterator<String> it = bins.keySet().iterator(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }
}
