package io.github.nifirouting.coordinates;

import org.apache.nifi.components.DescribedValue;

/** What to do with a record whose id was already seen in the same input. */
public enum DuplicateIdPolicy implements DescribedValue {
    ROUTE("Route to invalid", "Later records with an id already seen go to invalid with reason 'duplicate id'. Needs about 16 bytes of heap per distinct id."),
    KEEP("Keep", "Ids are not checked for duplicates; every valid record continues. Uses no memory per record."),
    DROP("Drop", "Later records with an id already seen are discarded and counted (counter and attribute), keeping the first. Needs about 16 bytes of heap per distinct id.");

    private final String displayName;
    private final String description;

    DuplicateIdPolicy(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }

    public static DuplicateIdPolicy fromValue(final String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
