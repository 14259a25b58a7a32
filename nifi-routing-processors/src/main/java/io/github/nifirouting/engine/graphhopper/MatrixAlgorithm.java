package io.github.nifirouting.engine.graphhopper;

import org.apache.nifi.components.DescribedValue;

/** How the embedded engine computes a matrix. */
public enum MatrixAlgorithm implements DescribedValue {
    CONTRACTION_HIERARCHIES("Contraction Hierarchies",
            "Many-to-many search on the profile's contraction hierarchy (prepared once at import): one small upward search per "
                    + "origin and per destination. Fast on any graph size; the speed hardly depends on distances or the cutoff."),
    DIJKSTRA("Dijkstra",
            "One Dijkstra search per origin that stops once every destination is settled or at the cutoff. Explores every road "
                    + "closer than the farthest destination: fine for short trips or a small region, slow across a country.");

    private final String displayName;
    private final String description;

    MatrixAlgorithm(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}
