package io.github.nifirouting.processors;

import org.apache.nifi.components.DescribedValue;

/** How BuildIsochrones gets travel times around a site. */
public enum IsochroneStrategy implements DescribedValue {
    ENGINE_NATIVE("engine-native", "Engine native",
            "The engine's own isochrones: its isochrone API where it has one, else the network nodes it reaches within the largest "
                    + "threshold (the embedded engine's shortest path tree), each widened by Resolution meters."),
    MATRIX_SAMPLED("matrix-sampled", "Matrix sampled",
            "For engines without isochrones (e.g. OSRM): a square lattice of samples Resolution meters apart around the site, out to "
                    + "the largest threshold at Max Speed; site-to-sample times come from the matrix API in limit-sized requests; "
                    + "reached samples' cells make the polygon.");

    private final String value;
    private final String displayName;
    private final String description;

    IsochroneStrategy(final String value, final String displayName, final String description) {
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

    public static IsochroneStrategy fromValue(final String value) {
        for (final IsochroneStrategy strategy : values()) {
            if (strategy.value.equals(value)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("unknown strategy " + value);
    }
}
