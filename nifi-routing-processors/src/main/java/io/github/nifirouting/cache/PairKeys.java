package io.github.nifirouting.cache;

import java.nio.charset.StandardCharsets;

/** 64-bit keys for (scope, origin, destination) with coordinates rounded to a number of decimals. */
final class PairKeys {

    private static final long POINT_AS_ORIGIN = 0x5e1f_0001_0000_0000L;
    private static final long POINT_AS_DESTINATION = 0x5e1f_0002_0000_0000L;

    private final long scopeHash;
    private final double scale;

    PairKeys(final String scope, final int decimals) {
        long hash = 0xcbf29ce484222325L;
        for (final byte b : scope.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        this.scopeHash = hash;
        this.scale = Math.pow(10, decimals);
    }

    long key(final double originLat, final double originLon, final double destinationLat, final double destinationLon) {
        long h = scopeHash;
        h = mix(h, Math.round(originLat * scale));
        h = mix(h, Math.round(originLon * scale));
        h = mix(h, Math.round(destinationLat * scale));
        h = mix(h, Math.round(destinationLon * scale));
        return h == 0 ? 1 : h; // 0 marks an empty slot in the stores
    }

    /** The key of a point's snap distance; a separate key space from pairs (a tag no coordinate pair produces). */
    long pointKey(final boolean asOrigin, final double latitude, final double longitude) {
        long h = mix(scopeHash, asOrigin ? POINT_AS_ORIGIN : POINT_AS_DESTINATION);
        h = mix(h, Math.round(latitude * scale));
        h = mix(h, Math.round(longitude * scale));
        return h == 0 ? 1 : h;
    }

    private static long mix(final long hash, final long value) {
        long h = hash ^ value;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
