package io.github.nifirouting.processors;

import org.apache.nifi.components.DescribedValue;

/** How BuildIsochrones gets travel times around a site. */
public enum IsochroneStrategy implements DescribedValue {
    ENGINE_NATIVE("engine-native", "Engine native",
            "The engine's own isochrones: its isochrone API where it has one, else the roads it reaches within the largest threshold "
                    + "(the embedded engine's shortest path tree with road geometry); each cell takes the time of its nearest road. One "
                    + "search per site whatever the Resolution."),
    MATRIX_SAMPLED("matrix-sampled", "Matrix sampled",
            "For engines without isochrones (e.g. OSRM): a sample at the centre of every cell around the site, out to the largest "
                    + "threshold at Max Speed; site-to-sample times come from the matrix API in limit-sized requests, the engine snapping each "
                    + "sample to its nearest road; reached samples' cells make the polygon. Cost grows with (threshold x speed / Resolution)^2.");

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
