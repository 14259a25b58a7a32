package io.github.nifirouting.coordinates;

/** Why a point record was rejected. The {@link #code()} is what users see in the {@code reason} field and attributes. */
public enum InvalidReason {
    MISSING_ID("missing id"),
    INVALID_ID("invalid id"),
    MISSING_COORDINATE("missing coordinate"),
    NON_NUMERIC("non-numeric coordinate"),
    NOT_FINITE("coordinate not finite"),
    OUT_OF_RANGE("coordinate out of range"),
    NULL_ISLAND("null island (0, 0)"),
    LIKELY_SWAPPED("latitude and longitude likely swapped"),
    OUTSIDE_BOUNDING_BOX("outside bounding box"),
    INVALID_POINT("invalid point geometry"),
    DUPLICATE_ID("duplicate id");

    private final String code;

    InvalidReason(final String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
