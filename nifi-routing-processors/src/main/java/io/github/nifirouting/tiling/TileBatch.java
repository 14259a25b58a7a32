package io.github.nifirouting.tiling;

/**
 * One session's worth of the outputs of an input: outputs {@code [first, end)} of {@code total}. An input cut into more
 * outputs than one session may hold is emitted batch by batch; between batches the input goes back to its queue with
 * {@link #NEXT} = {@code end}, committed together with the batch, so a restart resumes at the first output not yet
 * committed: nothing lost, nothing emitted twice. Outputs are deterministic (same input, same settings, same
 * destination set version), so the remaining ones are exactly those a run without interruption would have emitted.
 *
 * @param first first output of the batch
 * @param end   one past the last output of the batch
 * @param total outputs of the whole input
 */
public record TileBatch(int first, int end, int total) {

    /** Attribute of an input in progress: the index of the next output to emit. */
    public static final String NEXT = "tiles.next";
    /** Attribute of an input in progress: the coordinate set version its first batch was cut against. */
    public static final String SET_VERSION = "tiles.destination.set.version";

    public TileBatch {
        if (first < 0 || end < first || end > total) {
            throw new IllegalArgumentException("batch [" + first + ", " + end + ") of " + total + " outputs");
        }
    }

    /** The batch that starts at {@code next} and holds at most {@code maxOutputs}. */
    public static TileBatch starting(final int next, final int maxOutputs, final int total) {
        if (next > total) {
            throw new IllegalArgumentException(NEXT + " " + next + " is beyond the " + total + " outputs of this input");
        }
        return new TileBatch(next, (int) Math.min(total, (long) next + Math.max(1, maxOutputs)), total);
    }

    public boolean isFirst() {
        return first == 0;
    }

    public boolean isLast() {
        return end == total;
    }

    public int size() {
        return end - first;
    }

    /** Origin blocks holding the batch's tiles when each origin block makes {@code perOriginBlock} consecutive tiles. */
    public int firstOriginBlock(final int perOriginBlock) {
        return first / perOriginBlock;
    }

    /** One past the last origin block of the batch. */
    public int endOriginBlock(final int perOriginBlock) {
        return size() == 0 ? firstOriginBlock(perOriginBlock) : (end - 1) / perOriginBlock + 1;
    }

    public boolean contains(final int index) {
        return index >= first && index < end;
    }
}
