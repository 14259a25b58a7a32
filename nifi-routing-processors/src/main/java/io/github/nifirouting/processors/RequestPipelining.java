package io.github.nifirouting.processors;

import org.apache.nifi.components.DescribedValue;

/** Whether InvokeRoutingMatrix waits for a request's rows to be written before it sends the tile's next request. */
public enum RequestPipelining implements DescribedValue {
    ONE_AHEAD("one-ahead", "One request ahead",
            "While a request's rows are written, the tile's next request is already with the engine, so neither the engine nor "
                    + "the writer waits for the other (engine latency is hidden behind writing). Holds up to two answers per "
                    + "concurrent task (16 bytes per pair each). Requests run on one extra thread per concurrent task; with the "
                    + "embedded engine its searches run there too."),
    SEQUENTIAL("sequential", "Sequential",
            "The next request is sent after the previous answer's rows are written: one answer in memory per concurrent task.");

    private final String value;
    private final String displayName;
    private final String description;

    RequestPipelining(final String value, final String displayName, final String description) {
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
}
