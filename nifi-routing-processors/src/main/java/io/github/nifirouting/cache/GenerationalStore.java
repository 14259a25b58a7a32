package io.github.nifirouting.cache;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * A bounded, persistent map from 64-bit keys to (duration, distance) that lives in two memory-mapped files, not in the
 * Java heap: each file is one generation, a fixed-size open-addressing table of 32-byte slots (key, duration, distance,
 * check). New entries go to the current generation; when it is 70% full the generations swap: the older file is cleared
 * and becomes the current one. A hit in the previous generation is copied into the current one, so entries in use survive
 * swaps (an approximation of LRU at the cost of one copy). Disk use is fixed at two files of Max Size / 2 (created
 * sparse); heap use is nothing per entry: the operating system's page cache keeps the used part in memory.
 * <p>
 * Crash safety: a slot's values and check are written before its key, so a JVM crash (the mapped pages survive it)
 * leaves whole slots; after a power loss, a slot whose check does not match its contents is dropped on load. A swap
 * first marks the file being cleared as empty (generation 0) in its header, so a crash during it loses only that older
 * generation. A lock file keeps a second store (another service or NiFi instance) off the same files.
 */
final class GenerationalStore implements AutoCloseable {

    static final int SLOT_BYTES = 32;
    static final int HEADER_BYTES = 64;
    static final double MAX_LOAD = 0.7;
    private static final long MAGIC = 0x4e524d4331303031L; // "NRMC1001"
    private static final long EMPTY = 0;
    private static final int SEGMENT_SHIFT = 25; // 2^25 slots of 32 bytes = 1 GiB per mapping
    private static final String[] FILES = {"generation-a.tbl", "generation-b.tbl"};

    private final Path directory;
    private final long slots;
    private final long capacity;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private Table current;
    private Table previous;

    /** One generation: a table of slots in a memory-mapped file, with a header (magic, slot count, generation number). */
    private static final class Table {
        final Path file;
        final long slots;
        final MappedByteBuffer header;
        final MappedByteBuffer[] segments;
        /** Whether the file was just created: all zero, nothing to clear. */
        final boolean fresh;
        long generation;
        long size;

        Table(final Path file, final long slots) throws IOException {
            this.file = file;
            this.slots = slots;
            try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw"); FileChannel channel = raw.getChannel()) {
                final long bytes = HEADER_BYTES + slots * SLOT_BYTES;
                fresh = raw.length() == 0;
                if (raw.length() != bytes) {
                    raw.setLength(bytes); // sparse: blocks are allocated as slots are written
                }
                header = channel.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_BYTES);
                final int count = (int) ((slots + (1L << SEGMENT_SHIFT) - 1) >>> SEGMENT_SHIFT);
                segments = new MappedByteBuffer[count];
                for (int i = 0; i < count; i++) {
                    final long first = (long) i << SEGMENT_SHIFT;
                    final long length = Math.min(1L << SEGMENT_SHIFT, slots - first) * SLOT_BYTES;
                    segments[i] = channel.map(FileChannel.MapMode.READ_WRITE, HEADER_BYTES + first * SLOT_BYTES, length);
                }
            }
        }

        static long slotsInFile(final Path file) throws IOException {
            if (!Files.exists(file) || Files.size(file) < HEADER_BYTES) {
                return -1;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(16);
                channel.read(head, 0);
                head.flip();
                return head.getLong() == MAGIC ? head.getLong() : -1;
            }
        }

        MappedByteBuffer segment(final long slot) {
            return segments[(int) (slot >>> SEGMENT_SHIFT)];
        }

        int offset(final long slot) {
            return (int) (slot & ((1L << SEGMENT_SHIFT) - 1)) * SLOT_BYTES;
        }

        long keyAt(final long slot) {
            return segment(slot).getLong(offset(slot));
        }

        /** The slot holding {@code key}, or the empty slot where it would go. */
        long find(final long key) {
            long slot = Long.remainderUnsigned(key, slots);
            while (true) {
                final long found = keyAt(slot);
                if (found == EMPTY || found == key) {
                    return slot;
                }
                slot = slot + 1 == slots ? 0 : slot + 1;
            }
        }

        double duration(final long slot) {
            return segment(slot).getDouble(offset(slot) + 8);
        }

        double distance(final long slot) {
            return segment(slot).getDouble(offset(slot) + 16);
        }

        /** Values and check first, the key last: a slot is only visible once it is whole. */
        void write(final long slot, final long key, final double duration, final double distance) {
            final MappedByteBuffer segment = segment(slot);
            final int offset = offset(slot);
            segment.putDouble(offset + 8, duration);
            segment.putDouble(offset + 16, distance);
            segment.putLong(offset + 24, check(key, duration, distance));
            segment.putLong(offset, key);
        }

        void clearSlot(final long slot) {
            segment(slot).putLong(offset(slot), EMPTY);
        }

        void writeHeader(final long generationNumber) {
            header.putLong(0, MAGIC);
            header.putLong(8, slots);
            header.putLong(16, generationNumber);
            generation = generationNumber;
        }

        /** Reads the header and counts the whole slots, dropping any whose check fails; a file marked empty is cleared. */
        void load() {
            generation = header.getLong(0) == MAGIC && header.getLong(8) == slots ? header.getLong(16) : 0;
            size = 0;
            if (generation == 0) {
                if (!fresh) {
                    clear();
                }
                return;
            }
            boolean dropped = false;
            for (long slot = 0; slot < slots; slot++) {
                final long key = keyAt(slot);
                if (key == EMPTY) {
                    continue;
                }
                final int offset = offset(slot);
                final MappedByteBuffer segment = segment(slot);
                if (segment.getLong(offset + 24) != check(key, segment.getDouble(offset + 8), segment.getDouble(offset + 16))) {
                    clearSlot(slot); // torn by a power loss
                    dropped = true;
                } else {
                    size++;
                }
            }
            if (dropped) {
                replaceUnreachable();
            }
        }

        /** Linear probing needs no gap inside a run: moves entries that a dropped slot cut off from their home, until none is. */
        private void replaceUnreachable() {
            boolean moved = true;
            while (moved) {
                moved = false;
                for (long slot = 0; slot < slots; slot++) {
                    final long key = keyAt(slot);
                    if (key == EMPTY) {
                        continue;
                    }
                    final long reached = find(key);
                    if (reached != slot) {
                        final double duration = duration(slot);
                        final double distance = distance(slot);
                        write(reached, key, duration, distance);
                        clearSlot(slot);
                        moved = true;
                    }
                }
            }
        }

        void clear() {
            header.putLong(16, 0); // marked empty first: a crash while clearing leaves an empty generation
            for (final MappedByteBuffer segment : segments) {
                for (int offset = 0; offset < segment.capacity(); offset += SLOT_BYTES) {
                    segment.putLong(offset, EMPTY);
                }
            }
            size = 0;
        }

        void force() {
            header.force();
            for (final MappedByteBuffer segment : segments) {
                segment.force();
            }
        }
    }

    static long check(final long key, final double duration, final double distance) {
        long h = key ^ 0x9e3779b97f4a7c15L;
        h = (h ^ Double.doubleToRawLongBits(duration)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33) ^ Double.doubleToRawLongBits(distance)) * 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** @param maxBytes the most disk space both generation files may take together */
    GenerationalStore(final Path directory, final long maxBytes) throws IOException {
        this.directory = directory;
        this.slots = Math.max(16, (maxBytes / 2 - HEADER_BYTES) / SLOT_BYTES);
        this.capacity = Math.max(1, (long) (slots * MAX_LOAD));
        Files.createDirectories(directory);
        lockChannel = FileChannel.open(directory.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (final OverlappingFileLockException heldInThisJvm) {
            acquired = null;
        }
        if (acquired == null) {
            lockChannel.close();
            throw new IOException("cache directory " + directory + " is in use by another cache service or NiFi instance");
        }
        lock = acquired;
        try {
            final Table a = open(directory.resolve(FILES[0]));
            final Table b = open(directory.resolve(FILES[1]));
            current = a.generation >= b.generation ? a : b;
            previous = current == a ? b : a;
            if (current.generation == 0) {
                current.writeHeader(1);
            }
        } catch (final IOException | RuntimeException e) {
            releaseLock();
            throw e;
        }
    }

    /** Opens a generation file; one written with another slot count (Max Size changed) has its entries moved into a new one. */
    private Table open(final Path file) throws IOException {
        final long slotsBefore = Table.slotsInFile(file);
        if (slotsBefore > 0 && slotsBefore != slots) {
            final Table old = new Table(file, slotsBefore);
            old.load();
            final Path resized = file.resolveSibling(file.getFileName() + ".resized");
            Files.deleteIfExists(resized);
            final Table table = new Table(resized, slots);
            table.clear();
            table.writeHeader(old.generation);
            for (long slot = 0; slot < old.slots && table.size < capacity; slot++) {
                final long key = old.keyAt(slot);
                if (key != EMPTY) {
                    table.write(table.find(key), key, old.duration(slot), old.distance(slot));
                    table.size++;
                }
            }
            table.force();
            Files.move(resized, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        final Table table = new Table(file, slots);
        table.load();
        return table;
    }

    synchronized void getAll(final long[] keys, final double[] durations, final double[] distances, final BitSet found) {
        for (int i = 0; i < keys.length; i++) {
            long slot = current.find(keys[i]);
            if (current.keyAt(slot) == keys[i]) {
                durations[i] = current.duration(slot);
                distances[i] = current.distance(slot);
                found.set(i);
                continue;
            }
            slot = previous.find(keys[i]);
            if (previous.keyAt(slot) == keys[i]) {
                durations[i] = previous.duration(slot);
                distances[i] = previous.distance(slot);
                found.set(i);
                put(keys[i], durations[i], distances[i]); // promote what is still used
            }
        }
    }

    synchronized void putAll(final long[] keys, final double[] durations, final double[] distances, final int count) {
        for (int i = 0; i < count; i++) {
            put(keys[i], durations[i], distances[i]);
        }
    }

    private void put(final long key, final double duration, final double distance) {
        long slot = current.find(key);
        if (current.keyAt(slot) == key) {
            current.write(slot, key, duration, distance);
            return;
        }
        if (current.size >= capacity) {
            swap();
            slot = current.find(key);
        }
        current.write(slot, key, duration, distance);
        current.size++;
    }

    /** The older generation is cleared and becomes the current one. */
    private void swap() {
        final Table older = previous;
        older.clear();
        older.writeHeader(current.generation + 1);
        previous = current;
        current = older;
    }

    synchronized long size() {
        return current.size + previous.size;
    }

    long maxEntries() {
        return 2 * capacity;
    }

    synchronized long bytesOnDisk() throws IOException {
        long bytes = 0;
        for (final String name : FILES) {
            final Path file = directory.resolve(name);
            bytes += Files.exists(file) ? Files.size(file) : 0;
        }
        return bytes;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            current.force();
            previous.force();
        } finally {
            releaseLock();
        }
    }

    private void releaseLock() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }
}
