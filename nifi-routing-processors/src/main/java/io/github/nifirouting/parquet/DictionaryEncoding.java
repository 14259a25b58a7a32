package io.github.nifirouting.parquet;

import org.apache.nifi.components.DescribedValue;

/** Which columns the Parquet writer dictionary-encodes. The values "true" and "false" are those of earlier versions. */
public enum DictionaryEncoding implements DescribedValue {
    ALL("true", "All Columns", "Every column starts dictionary-encoded; parquet-java falls back to plain encoding for a column chunk "
            + "whose dictionary outgrows the page size."),
    NOT_FLOATING_POINT("except-floating-point", "All But Floating Point",
            "Strings, integers, dates and booleans are dictionary-encoded; float and double columns are written plain. Measured values "
                    + "(durations, distances) rarely repeat, so their dictionary is work thrown away when parquet-java falls back: "
                    + "writing matrix rows takes about a quarter less CPU, for files about a sixth larger (docs/parquet.md)."),
    NONE("false", "None", "Every column is written plain.");

    private final String value;
    private final String displayName;
    private final String description;

    DictionaryEncoding(final String value, final String displayName, final String description) {
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
