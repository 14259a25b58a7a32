package io.github.nifirouting.engine;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The engine refused a matrix request because it cannot place some of its points on its network (OSRM NoSegment,
 * Valhalla 171, OpenRouteService 6010, GraphHopper "Cannot find point"). REJECTED for the request as sent; the
 * points it names (request-local indexes, sources and destinations apart) can be left out and the rest asked again.
 * An engine that does not say which point it could not place gives no indexes.
 */
public final class OffNetworkPointsException extends RoutingException {

    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private final int[] sources;
    private final int[] destinations;

    public OffNetworkPointsException(final String message, final int[] sources, final int[] destinations) {
        super(Kind.REJECTED, message);
        this.sources = sources.clone();
        this.destinations = destinations.clone();
    }

    /** An engine that numbers all points of a request in one list, sources first ({@code rows} of them). */
    public static OffNetworkPointsException ofCombinedIndexes(final String message, final int[] indexes, final int rows) {
        return new OffNetworkPointsException(message, Arrays.stream(indexes).filter(i -> i < rows).toArray(),
                Arrays.stream(indexes).filter(i -> i >= rows).map(i -> i - rows).toArray());
    }

    /** The first number after {@code marker} in an engine's message, e.g. "coordinate 3"; -1 when there is none. */
    public static int indexAfter(final String message, final String marker) {
        if (message == null) {
            return -1;
        }
        final int at = message.indexOf(marker);
        if (at < 0) {
            return -1;
        }
        final Matcher number = NUMBER.matcher(message);
        return number.find(at + marker.length()) && number.start() <= at + marker.length() + 2 ? Integer.parseInt(number.group()) : -1;
    }

    /** Sources (request-local rows) the engine named. */
    public int[] sources() {
        return sources.clone();
    }

    /** Destinations (request-local columns) the engine named. */
    public int[] destinations() {
        return destinations.clone();
    }

    /** Whether the engine said which points it could not place. */
    public boolean namesPoints() {
        return sources.length > 0 || destinations.length > 0;
    }
}
