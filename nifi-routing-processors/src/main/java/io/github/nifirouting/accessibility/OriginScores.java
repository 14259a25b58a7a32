package io.github.nifirouting.accessibility;

/**
 * Accumulates one origin's scores over its matrix rows, in primitives: counts and weight sums per threshold, the
 * gravity sum, and the k nearest destinations in a small sorted array.
 */
public final class OriginScores {

    final double[] thresholds;
    final long[] counts;
    final double[] weightSums;
    double gravity;
    final String[] nearestIds;
    final double[] nearestSeconds;
    int nearestSize;
    double twoStepAccess;

    OriginScores(final double[] thresholds, final int k) {
        this.thresholds = thresholds;
        this.counts = new long[thresholds.length];
        this.weightSums = new double[thresholds.length];
        this.nearestIds = new String[k];
        this.nearestSeconds = new double[k];
    }

    void add(final String destination, final double seconds, final double weight, final double decayed) {
        for (int t = 0; t < thresholds.length; t++) {
            if (seconds <= thresholds[t]) {
                counts[t]++;
                weightSums[t] += weight;
            }
        }
        gravity += weight * decayed;
        addNearest(destination, seconds);
    }

    /** Adds the other accumulator of the same origin (its rows from another tile). */
    public void merge(final OriginScores other) {
        for (int t = 0; t < thresholds.length; t++) {
            counts[t] += other.counts[t];
            weightSums[t] += other.weightSums[t];
        }
        gravity += other.gravity;
        twoStepAccess += other.twoStepAccess;
        for (int rank = 0; rank < other.nearestSize; rank++) {
            addNearest(other.nearestIds[rank], other.nearestSeconds[rank]);
        }
    }

    /** Keeps the k nearest, ties broken by destination id, so the result does not depend on the order tiles arrive in. */
    private void addNearest(final String destination, final double seconds) {
        final int k = nearestIds.length;
        if (k == 0 || nearestSize == k && !nearer(seconds, destination, k - 1)) {
            return;
        }
        int position = Math.min(nearestSize, k - 1);
        while (position > 0 && nearer(seconds, destination, position - 1)) {
            nearestSeconds[position] = nearestSeconds[position - 1];
            nearestIds[position] = nearestIds[position - 1];
            position--;
        }
        nearestSeconds[position] = seconds;
        nearestIds[position] = destination;
        nearestSize = Math.min(nearestSize + 1, k);
    }

    private boolean nearer(final double seconds, final String destination, final int rank) {
        return seconds < nearestSeconds[rank] || seconds == nearestSeconds[rank] && destination.compareTo(nearestIds[rank]) < 0;
    }

    public long count(final int threshold) {
        return counts[threshold];
    }

    public double weightSum(final int threshold) {
        return weightSums[threshold];
    }

    public double gravity() {
        return gravity;
    }

    public int nearestSize() {
        return nearestSize;
    }

    public String nearestId(final int rank) {
        return nearestIds[rank];
    }

    public double nearestSeconds(final int rank) {
        return nearestSeconds[rank];
    }

    public double twoStepAccess() {
        return twoStepAccess;
    }

    /**
     * Estimated heap of this accumulator held under {@code originId} in a map: the object and its arrays, the map entry,
     * the id and the k nearest destination ids (as separate strings, the worst case). Used to bound held chunks by bytes.
     */
    public long estimatedBytes(final String originId) {
        final int t = thresholds.length;
        final int k = nearestIds.length;
        long nearestIdChars = 0;
        for (int rank = 0; rank < nearestSize; rank++) {
            nearestIdChars += nearestIds[rank].length();
        }
        return 64 + 2L * (16 + 8L * t) + (16 + 4L * k) + (16 + 8L * k) + 48L * nearestSize + nearestIdChars + 32 + 48 + originId.length();
    }
}
