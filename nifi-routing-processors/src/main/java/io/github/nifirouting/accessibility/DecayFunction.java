package io.github.nifirouting.accessibility;

import org.apache.nifi.components.DescribedValue;

/** How an opportunity's weight decays with travel time in the gravity (Hansen) score; time in minutes. */
public enum DecayFunction implements DescribedValue {
    EXPONENTIAL("exponential", "Exponential", "weight x exp(-beta x minutes)"),
    POWER("power", "Power", "weight x max(minutes, 1)^-beta (times under a minute count as one minute)"),
    NONE("none", "None", "weight, whatever the time: the gravity score becomes the sum of reachable weights");

    private final String value;
    private final String displayName;
    private final String description;

    DecayFunction(final String value, final String displayName, final String description) {
        this.value = value;
        this.displayName = displayName;
        this.description = description;
    }

    public double apply(final double seconds, final double beta) {
        final double minutes = seconds / 60.0;
        return switch (this) {
            case EXPONENTIAL -> Math.exp(-beta * minutes);
            case POWER -> Math.pow(Math.max(minutes, 1.0), -beta);
            case NONE -> 1.0;
        };
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

    public static DecayFunction fromValue(final String value) {
        for (final DecayFunction function : values()) {
            if (function.value.equals(value)) {
                return function;
            }
        }
        throw new IllegalArgumentException("unknown decay function " + value);
    }
}
