package io.github.nifirouting.accessibility;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The first pass of 2SFCA, kept across sessions and restarts: for each run (fragment.identifier), each destination's
 * supply and the demand within the catchment, summed tile by tile as the tiles arrive, and which tiles were counted.
 * Once every tile of a run is counted the ratios R_j are fixed and the second pass scores origin chunks with them, so
 * no session ever holds the whole run: a counted tile goes back to the queue (on disk, not in heap) until then.
 * <p>
 * One file per run in the store's directory, replaced atomically after every change (written to a temporary file,
 * forced to disk, then moved over the old one) before the caller commits its session. Counting is idempotent per
 * tile: the store remembers the FlowFile id it counted for each tile index, so the same FlowFile coming back after a
 * crash between the file write and the session commit is not counted twice, while another FlowFile for the same index
 * is a duplicate. A run's file is deleted when every tile of the run is done (scored or failed).
 */
public final class TwoStepRunStore {

    private static final int FORMAT = 1;

    public enum Outcome {
        /** Counted now. */
        COUNTED,
        /** This FlowFile was counted before (it came back after a restart): not counted again. */
        ALREADY_COUNTED,
        /** Another FlowFile with this tile index was counted: this one is a duplicate. */
        DUPLICATE,
        /** The tile disagrees with the run on the number of tiles. */
        MISMATCH,
        /** The run failed before (see {@link Counted#reason()}). */
        FAILED
    }

    public record Counted(Outcome outcome, String reason) {
    }

    /** One run's state; mirrored in its file. */
    private static final class Run {
        final int tiles;
        final String[] countedBy;
        final BitSet done;
        final AccessibilityScorer.SupplyDemand supplyDemand;
        String failure;
        int counted;
        Map<String, Double> ratios;

        Run(final int tiles) {
            this.tiles = tiles;
            this.countedBy = new String[tiles];
            this.done = new BitSet(tiles);
            this.supplyDemand = new AccessibilityScorer.SupplyDemand();
        }

        boolean complete() {
            return counted == tiles;
        }
    }

    private final Path directory;
    private final Map<String, Run> runs = new HashMap<>();

    /** The directory is created with the first run's file. */
    public TwoStepRunStore(final Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /** Adds one tile's supply and demand to its run, once per tile. */
    public synchronized Counted count(final String runId, final int runTiles, final int tileIndex, final String flowFileId,
                                      final AccessibilityScorer.SupplyDemand partial) throws IOException {
        Run run = load(runId);
        if (run == null) {
            run = new Run(runTiles);
            runs.put(runId, run);
        }
        if (run.failure != null) {
            return new Counted(Outcome.FAILED, "run " + runId + " not scored: " + run.failure);
        }
        if (run.tiles != runTiles) {
            return new Counted(Outcome.MISMATCH, "the tile says run " + runId + " has " + runTiles + " tiles, its first tile said " + run.tiles);
        }
        final String countedBy = run.countedBy[tileIndex];
        if (countedBy != null) {
            return countedBy.equals(flowFileId) ? new Counted(Outcome.ALREADY_COUNTED, null)
                    : new Counted(Outcome.DUPLICATE, "duplicate tile " + tileIndex + " of run " + runId + ": its rows were already counted");
        }
        run.supplyDemand.merge(partial);
        run.countedBy[tileIndex] = flowFileId;
        run.counted++;
        save(runId, run);
        return new Counted(Outcome.COUNTED, null);
    }

    /** The ratios R_j of a run whose tiles are all counted; null while tiles are missing or the run is unknown. */
    public synchronized Map<String, Double> ratios(final String runId) throws IOException {
        final Run run = load(runId);
        if (run == null || run.failure != null || !run.complete()) {
            return null;
        }
        if (run.ratios == null) {
            run.ratios = run.supplyDemand.ratios();
        }
        return run.ratios;
    }

    /** Whether the store knows the run (it has counted a tile of it and not every tile is done yet). */
    public synchronized boolean knows(final String runId) throws IOException {
        return load(runId) != null;
    }

    /** Why the run failed, or null. */
    public synchronized String failure(final String runId) throws IOException {
        final Run run = load(runId);
        return run == null ? null : run.failure;
    }

    /** Progress for messages: "3 of 4 tiles counted". */
    public synchronized String progress(final String runId) throws IOException {
        final Run run = load(runId);
        return run == null ? "no tile counted" : run.counted + " of " + run.tiles + " tiles counted";
    }

    /** The run cannot be scored (a bad row makes every ratio suspect): its tiles fail as they come. */
    public synchronized void fail(final String runId, final int runTiles, final String reason) throws IOException {
        Run run = load(runId);
        if (run == null) {
            run = new Run(Math.max(runTiles, 1));
            runs.put(runId, run);
        }
        if (run.failure == null) {
            run.failure = reason;
            save(runId, run);
        }
    }

    /** Tiles that left the processor (scored or failed); the run's file is deleted once all are done. */
    public synchronized void done(final String runId, final Collection<Integer> tileIndices) throws IOException {
        final Run run = load(runId);
        if (run == null) {
            return;
        }
        for (final int index : tileIndices) {
            if (index >= 0 && index < run.tiles) {
                run.done.set(index);
            }
        }
        if (run.done.cardinality() == run.tiles) {
            runs.remove(runId);
            Files.deleteIfExists(file(runId));
        } else {
            save(runId, run);
        }
    }

    /** Estimated heap of the runs loaded: one supply/demand pair per destination plus the tile bookkeeping. */
    public synchronized long heldBytes() {
        long bytes = 0;
        for (final Run run : runs.values()) {
            bytes += run.supplyDemand.estimatedBytes() + 16L * run.tiles + 80L * run.counted;
        }
        return bytes;
    }

    /** Forgets the loaded runs (they are read again from their files when needed), e.g. when the processor stops. */
    public synchronized void unload() {
        runs.clear();
    }

    private Run load(final String runId) throws IOException {
        final Run cached = runs.get(runId);
        if (cached != null) {
            return cached;
        }
        final Run read;
        try (InputStream file = Files.newInputStream(file(runId));
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file))) {
            if (in.readInt() != FORMAT) {
                throw new IOException("unknown 2SFCA state format in " + file(runId));
            }
            if (!runId.equals(in.readUTF())) {
                throw new IOException(file(runId) + " holds another run");
            }
            read = new Run(in.readInt());
            read.failure = in.readBoolean() ? in.readUTF() : null;
            for (int tile = 0; tile < read.tiles; tile++) {
                read.countedBy[tile] = in.readBoolean() ? in.readUTF() : null;
                read.counted += read.countedBy[tile] != null ? 1 : 0;
                if (in.readBoolean()) {
                    read.done.set(tile);
                }
            }
            final int destinations = in.readInt();
            for (int d = 0; d < destinations; d++) {
                read.supplyDemand.add(in.readUTF(), in.readDouble(), in.readDouble());
            }
        } catch (final NoSuchFileException e) {
            return null;
        }
        runs.put(runId, read);
        return read;
    }

    private void save(final String runId, final Run run) throws IOException {
        Files.createDirectories(directory);
        final Path target = file(runId);
        final Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            final OutputStream stream = Channels.newOutputStream(channel);
            final DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(stream));
            out.writeInt(FORMAT);
            out.writeUTF(runId);
            out.writeInt(run.tiles);
            out.writeBoolean(run.failure != null);
            if (run.failure != null) {
                out.writeUTF(run.failure.length() > 10_000 ? run.failure.substring(0, 10_000) : run.failure);
            }
            for (int tile = 0; tile < run.tiles; tile++) {
                out.writeBoolean(run.countedBy[tile] != null);
                if (run.countedBy[tile] != null) {
                    out.writeUTF(run.countedBy[tile]);
                }
                out.writeBoolean(run.done.get(tile));
            }
            out.writeInt(run.supplyDemand.destinations());
            final IOException[] failed = new IOException[1];
            run.supplyDemand.forEach((destination, supply, demand) -> {
                try {
                    out.writeUTF(destination);
                    out.writeDouble(supply);
                    out.writeDouble(demand);
                } catch (final IOException e) {
                    failed[0] = e;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
            out.flush();
            channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Run ids are free text: the file is named by their hash. */
    private Path file(final String runId) {
        try {
            final byte[] hash = MessageDigest.getInstance("SHA-256").digest(runId.getBytes(StandardCharsets.UTF_8));
            return directory.resolve("run-" + HexFormat.of().formatHex(hash, 0, 16) + ".2sfca");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
