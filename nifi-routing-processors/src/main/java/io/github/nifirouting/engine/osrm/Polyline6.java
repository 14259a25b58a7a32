package io.github.nifirouting.engine.osrm;

import io.github.nifirouting.model.CoordinateBlock;

/**
 * Encodes points in the polyline format with 6 decimals (OSRM's {@code polyline6(...)} coordinates): latitude then
 * longitude of each point as the difference to the previous point in micro-degrees, zigzag-encoded and written
 * 5 bits per character, low bits first, from {@code '?'} (63) upwards; a set bit 0x20 says another chunk follows.
 * Characters that may not appear in a URL path as they are are percent-encoded, so the text goes into a URL as is.
 */
public final class Polyline6 {

    private static final String HEX = "0123456789ABCDEF";

    private Polyline6() {
    }

    /** Appends the URL-ready encoding of points [from, from + count) of {@code block}, continuing from the previous point. */
    public static void append(final StringBuilder url, final CoordinateBlock block, final long[] previous) {
        for (int i = 0; i < block.size(); i++) {
            final long latitude = Math.round(block.latitude(i) * 1e6);
            final long longitude = Math.round(block.longitude(i) * 1e6);
            appendValue(url, latitude - previous[0]);
            appendValue(url, longitude - previous[1]);
            previous[0] = latitude;
            previous[1] = longitude;
        }
    }

    /** The URL-ready encoding of all points of the blocks, in order. */
    public static String encode(final CoordinateBlock... blocks) {
        final StringBuilder url = new StringBuilder();
        final long[] previous = new long[2];
        for (final CoordinateBlock block : blocks) {
            append(url, block, previous);
        }
        return url.toString();
    }

    private static void appendValue(final StringBuilder url, final long delta) {
        long value = delta < 0 ? ~(delta << 1) : delta << 1;
        while (value >= 0x20) {
            appendChar(url, (char) ((0x20 | (value & 0x1f)) + 63));
            value >>>= 5;
        }
        appendChar(url, (char) (value + 63));
    }

    /** Polyline characters are 63..126; of these, ? [ \\ ] ^ ` { | } must be percent-encoded in a URL path. */
    private static void appendChar(final StringBuilder url, final char c) {
        if (needsEscape(c)) {
            url.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
        } else {
            url.append(c);
        }
    }

    static boolean needsEscape(final char c) {
        return c == '?' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}';
    }
}
