package io.github.nifirouting.engine.http;

/**
 * What one rate-limit permit stands for. Engines meter differently: most count requests, GraphHopper's Matrix API
 * also caps the locations sent per 5 seconds, Google-style APIs count elements (pairs) per minute.
 */
public enum RateLimitUnit {
    /** One permit per request. */
    REQUESTS,
    /** One permit per location in a request (sources + destinations). */
    LOCATIONS,
    /** One permit per origin x destination pair in a request. */
    PAIRS;

    /** Permits a request of {@code sources} x {@code destinations} takes. */
    public int permits(final int sources, final int destinations) {
        return switch (this) {
            case REQUESTS -> 1;
            case LOCATIONS -> Math.max(1, sources + destinations);
            case PAIRS -> (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) sources * destinations));
        };
    }
}
