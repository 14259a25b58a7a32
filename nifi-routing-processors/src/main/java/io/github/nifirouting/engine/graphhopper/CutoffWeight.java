package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.json.Statement;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.util.CustomModel;

import java.util.List;

/**
 * The most a route within a travel cutoff can weigh, from the profile's custom model, so that the contraction-hierarchy
 * searches can stop early without losing such a route. A custom model weighs an edge {@code seconds / priority +
 * distance_influence * meters}: with every priority factor a constant in (0, 1] (car: only 0 for roads it may not use),
 * the priority is at least their product p, speed is at most GraphHopper's maximum v for the profile, so a route of at
 * most T seconds and D meters weighs at most {@code T / p + distance_influence * min(D, v * T)} without its turn weights
 * (U-turns add weight but no time in GraphHopper, so the searches compare edge weight only). A model with a priority
 * that is not such a constant (bike, foot: an encoded priority) gets no bound: its searches run to the top of the
 * hierarchy and only the final time/distance check applies.
 */
final class CutoffWeight {

    private final double minPriority;
    private final double distanceInfluence;
    private final double maxMetersPerSecond;

    private CutoffWeight(final double minPriority, final double distanceInfluence, final double maxMetersPerSecond) {
        this.minPriority = minPriority;
        this.distanceInfluence = distanceInfluence;
        this.maxMetersPerSecond = maxMetersPerSecond;
    }

    static CutoffWeight of(final CustomModel model, final Weighting weighting) {
        double minPriority = 1;
        for (final Statement statement : flatten(model.getPriority())) {
            final double factor;
            try {
                factor = Double.parseDouble(statement.value().trim());
            } catch (final NumberFormatException e) {
                return new CutoffWeight(0, 0, 0); // an encoded value: no bound
            }
            if (factor == 0) {
                continue; // the road is not used at all
            }
            if (factor > 1 || factor < 0) {
                return new CutoffWeight(0, 0, 0);
            }
            if (statement.operation() == Statement.Op.MULTIPLY) {
                minPriority *= factor;
            } else if (statement.operation() == Statement.Op.LIMIT) {
                minPriority = Math.min(minPriority, factor);
            } else {
                return new CutoffWeight(0, 0, 0);
            }
        }
        // GraphHopper: weight per meter at least 1 / (max speed * max priority) + distance influence; max priority is 1 here.
        final double perMeter = model.getDistanceInfluence() == null ? 0 : model.getDistanceInfluence() / 1000;
        final double maxSpeed = 1 / (weighting.calcMinWeightPerDistance() - perMeter);
        if (!(maxSpeed > 0) || Double.isInfinite(maxSpeed)) {
            return new CutoffWeight(0, 0, 0);
        }
        return new CutoffWeight(minPriority, perMeter, maxSpeed);
    }

    private static List<Statement> flatten(final List<Statement> statements) {
        final java.util.ArrayList<Statement> flat = new java.util.ArrayList<>();
        for (final Statement statement : statements) {
            if (statement.isBlock()) {
                flat.addAll(flatten(statement.doBlock()));
            } else {
                flat.add(statement);
            }
        }
        return flat;
    }

    /** The most edge weight (without turn weights) a route within {@code cutoff} has; infinite if unbounded. */
    double maxEdgeWeight(final Cutoff cutoff) {
        if (minPriority == 0 || cutoff.maxSeconds() == Double.POSITIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        final double seconds = cutoff.maxSeconds();
        final double meters = Math.min(cutoff.maxMeters(), maxMetersPerSecond * seconds);
        // A little slack for the float sums of shortcut weights.
        return (seconds / minPriority + distanceInfluence * meters) * (1 + 1e-6) + 1;
    }
}
