package io.github.nifirouting.coordinates;

import java.nio.charset.StandardCharsets;

/**
 * Remembers which ids were seen as 64-bit fingerprints in an open-addressing table of primitive longs:
 * about 16 bytes per id at the 0.5 load factor, instead of ~60 for a {@code HashSet<String>}. Two different ids
 * share a fingerprint with probability about n^2 / 2^65 (3e-6 for ten million ids); such a pair would be
 * reported as a duplicate.
 */
final class IdFingerprintSet {

    private static final long EMPTY = 0L;

    private long[] table = new long[1024];
    private int size;
    private boolean containsZero;

    /** @return true when the id was not seen before (and is now remembered) */
    boolean add(final String id) {
        final long fingerprint = fingerprint(id);
        if (fingerprint == EMPTY) {
            final boolean added = !containsZero;
            containsZero = true;
            return added;
        }
        if (size * 2 >= table.length) {
            grow();
        }
        final boolean added = insert(table, fingerprint);
        if (added) {
            size++;
        }
        return added;
    }

    int size() {
        return size + (containsZero ? 1 : 0);
    }

    long retainedBytes() {
        return 8L * table.length;
    }

    private static boolean insert(final long[] into, final long fingerprint) {
        final int mask = into.length - 1;
        int slot = (int) (fingerprint ^ (fingerprint >>> 32)) & mask;
        while (into[slot] != EMPTY) {
            if (into[slot] == fingerprint) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        into[slot] = fingerprint;
        return true;
    }

    private void grow() {
        final long[] old = table;
        table = new long[old.length * 2];
        for (final long fingerprint : old) {
            if (fingerprint != EMPTY) {
                insert(table, fingerprint);
            }
        }
    }

    /** 64-bit FNV-1a over the UTF-8 bytes, then a murmur3 finalizer to spread the bits. */
    static long fingerprint(final String id) {
        long hash = 0xcbf29ce484222325L;
        for (final byte b : id.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        return hash;
    }
}
