package io.github.nifirouting.cache;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A bounded, persistent map from 64-bit keys to (duration, distance), in two generations. Each generation is an
 * open-addressing table of primitives in memory (growing with its entries, 48 to 96 bytes per pair) and an append-only
 * log of 24-byte records on disk. New entries go to
 * the current generation; when it is full, the previous generation is dropped (memory and file), the current one
 * becomes previous and a new one starts. A hit in the previous generation is copied into the current one, so entries in
 * use survive rotations (an approximation of LRU at the cost of one copy). Size is bounded by two generations; a crash
 * loses at most a torn last record, which loading ignores.
 */
final class GenerationalStore implements AutoCloseable {

    static final int RECORD_BYTES = 24;
    private static final long EMPTY = 0;

    private final Path directory;
    private final int capacity;
    private Generation current;
    private Generation previous;

    /** One generation: an open-addressing table that grows with its entries (load factor at most 1/2). */
    private static final class Generation {
        long[] keys = new long[1024];
        double[] durations = new double[1024];
        double[] distances = new double[1024];
        final Path file;
        int size;
        DataOutputStream log;

        Generation(final int capacity, final Path file) {
            this.file = file;
        }

        private void grow() {
            final long[] oldKeys = keys;
            final double[] oldDurations = durations;
            final double[] oldDistances = distances;
            keys = new long[oldKeys.length * 2];
            durations = new double[keys.length];
            distances = new double[keys.length];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    final int slot = slot(oldKeys[i]);
                    keys[slot] = oldKeys[i];
                    durations[slot] = oldDurations[i];
                    distances[slot] = oldDistances[i];
                }
            }
        }

        int slot(final long key) {
            final int mask = keys.length - 1;
            int slot = (int) (key ^ (key >>> 32)) & mask;
            while (keys[slot] != EMPTY && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        /** @return true when a new key was added */
        boolean put(final long key, final double duration, final double distance) {
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            final int slot = slot(key);
            final boolean added = keys[slot] == EMPTY;
            keys[slot] = key;
            durations[slot] = duration;
            distances[slot] = distance;
            if (added) {
                size++;
            }
            return added;
        }
    }

    /** @param maxEntries most entries held, over both generations */
    GenerationalStore(final Path directory, final long maxEntries) throws IOException {
        this.directory = directory;
        this.capacity = (int) Math.max(16, Math.min(Integer.MAX_VALUE / 4, maxEntries / 2));
        Files.createDirectories(directory);
        previous = load(directory.resolve("previous.log"));
        current = load(directory.resolve("current.log"));
        current.log = open(current.file);
    }

    private Generation load(final Path file) throws IOException {
        final Generation generation = new Generation(capacity, file);
        if (!Files.exists(file)) {
            return generation;
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
            final long records = Files.size(file) / RECORD_BYTES; // a torn last record is ignored
            for (long i = 0; i < records && generation.size < capacity; i++) {
                generation.put(in.readLong(), in.readDouble(), in.readDouble());
            }
        } catch (final EOFException tornTail) {
            // written while the JVM died: everything before it is intact
        }
        return generation;
    }

    private static DataOutputStream open(final Path file) throws IOException {
        final OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    }

    synchronized void getAll(final long[] keys, final double[] durations, final double[] distances, final java.util.BitSet found) throws IOException {
        for (int i = 0; i < keys.length; i++) {
            int slot = current.slot(keys[i]);
            if (current.keys[slot] == keys[i]) {
                durations[i] = current.durations[slot];
                distances[i] = current.distances[slot];
                found.set(i);
                continue;
            }
            slot = previous.slot(keys[i]);
            if (previous.keys[slot] == keys[i]) {
                durations[i] = previous.durations[slot];
                distances[i] = previous.distances[slot];
                found.set(i);
                put(keys[i], durations[i], distances[i]); // promote what is still used
            }
        }
        current.log.flush();
    }

    synchronized void putAll(final long[] keys, final double[] durations, final double[] distances, final int count) throws IOException {
        for (int i = 0; i < count; i++) {
            put(keys[i], durations[i], distances[i]);
        }
        current.log.flush();
    }

    private void put(final long key, final double duration, final double distance) throws IOException {
        if (current.size >= capacity) {
            rotate();
        }
        if (current.put(key, duration, distance)) {
            current.log.writeLong(key);
            current.log.writeDouble(duration);
            current.log.writeDouble(distance);
        }
    }

    private void rotate() throws IOException {
        current.log.close();
        Files.move(current.file, directory.resolve("previous.log"), StandardCopyOption.REPLACE_EXISTING);
        previous = current;
        previous.log = null;
        current = new Generation(capacity, directory.resolve("current.log"));
        current.log = open(current.file);
    }

    synchronized long size() {
        return current.size + (long) previous.size;
    }

    long maxEntries() {
        return 2L * capacity;
    }

    synchronized long bytesOnDisk() throws IOException {
        long bytes = 0;
        for (final String name : new String[]{"current.log", "previous.log"}) {
            final Path file = directory.resolve(name);
            bytes += Files.exists(file) ? Files.size(file) : 0;
        }
        return bytes;
    }

    @Override
    public synchronized void close() throws IOException {
        if (current.log != null) {
            current.log.close();
        }
    }
}
