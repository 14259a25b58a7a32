package io.github.nifirouting.testsupport;

import java.util.Arrays;

/** Relative differences |actual - reference| / reference between two engines' answers, summarised by percentiles. */
public final class RelativeDifferences {

    private double[] values = new double[64];
    /** actual / reference, to tell which engine is faster. */
    private double[] ratios = new double[64];
    private int count;
    private double worst = Double.NaN;
    private double worstReference = Double.NaN;
    private double worstActual = Double.NaN;

    public void add(final double reference, final double actual) {
        if (!(reference > 0) || Double.isNaN(actual)) {
            throw new IllegalArgumentException("reference " + reference + ", actual " + actual);
        }
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
            ratios = Arrays.copyOf(ratios, count * 2);
        }
        ratios[count] = actual / reference;
        final double difference = Math.abs(actual - reference) / reference;
        if (count == 0 || difference > worst) {
            worst = difference;
            worstReference = reference;
            worstActual = actual;
        }
        values[count++] = difference;
    }

    public int count() {
        return count;
    }

    /** The p-th percentile (0-100, nearest rank) of the differences added so far. */
    public double percentile(final double p) {
        if (count == 0) {
            return Double.NaN;
        }
        final double[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        final int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))];
    }

    /** The median of actual / reference: below 1 when the actual engine's answers are mostly shorter. */
    public double medianRatio() {
        if (count == 0) {
            return Double.NaN;
        }
        final double[] sorted = Arrays.copyOf(ratios, count);
        Arrays.sort(sorted);
        return sorted[(count - 1) / 2];
    }

    public double median() {
        return percentile(50);
    }

    public double max() {
        return worst;
    }

    /** How many differences exceed {@code bound}. */
    public int above(final double bound) {
        int above = 0;
        for (int i = 0; i < count; i++) {
            above += values[i] > bound ? 1 : 0;
        }
        return above;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%,d pairs: median %.3f%%, p95 %.3f%%, max %.3f%% (%.1f vs %.1f); median ratio %.3f", count,
                100 * median(), 100 * percentile(95), 100 * max(), worstReference, worstActual, medianRatio());
    }
}
