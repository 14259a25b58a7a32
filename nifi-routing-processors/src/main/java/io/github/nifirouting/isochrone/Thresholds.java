package io.github.nifirouting.isochrone;

import java.util.Arrays;
import java.util.Locale;

/** Parses travel-time thresholds such as {@code 5 min, 10 min, 15 min}, {@code 600, 900} (seconds) or {@code 1 h}. */
public final class Thresholds {

    private Thresholds() {
    }

    /** @return distinct thresholds in seconds, ascending */
    public static double[] parse(final String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no thresholds given");
        }
        final double[] seconds = Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToDouble(Thresholds::seconds).distinct().sorted().toArray();
        if (seconds.length == 0) {
            throw new IllegalArgumentException("no thresholds given");
        }
        return seconds;
    }

    private static double seconds(final String value) {
        final String[] parts = value.toLowerCase(Locale.ROOT).split("\\s+");
        final double amount;
        try {
            amount = Double.parseDouble(parts[0]);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("threshold '" + value + "' is not a number with an optional unit (s, min, h)");
        }
        final double factor = parts.length == 1 ? 1 : switch (parts[1]) {
            case "s", "sec", "secs", "second", "seconds" -> 1;
            case "m", "min", "mins", "minute", "minutes" -> 60;
            case "h", "hr", "hour", "hours" -> 3600;
            default -> throw new IllegalArgumentException("unknown unit in threshold '" + value + "': use s, min or h");
        };
        if (!(amount > 0) || Double.isInfinite(amount)) {
            throw new IllegalArgumentException("threshold '" + value + "' must be positive");
        }
        return amount * factor;
    }
}
