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
        final int k = nearestIds.length;
        if (k == 0 || nearestSize == k && seconds >= nearestSeconds[k - 1]) {
            return;
        }
        int position = Math.min(nearestSize, k - 1);
        while (position > 0 && nearestSeconds[position - 1] > seconds) {
            nearestSeconds[position] = nearestSeconds[position - 1];
            nearestIds[position] = nearestIds[position - 1];
            position--;
        }
        nearestSeconds[position] = seconds;
        nearestIds[position] = destination;
        nearestSize = Math.min(nearestSize + 1, k);
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
}
