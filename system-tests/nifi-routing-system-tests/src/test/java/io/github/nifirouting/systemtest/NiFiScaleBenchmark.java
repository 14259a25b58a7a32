package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.github.nifirouting.systemtest.NiFiRestClient.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sites x competitors at country-retailer scale (10,000 x 20,000 = 200M pairs by default) through
 * templates/drive-time-matrix.json as shipped, in a real NiFi 2.3.0, on a real osrm-routed (Andorra, car, CH) started
 * with the template's OSRM Max Table Size. Prints the FlowFiles created, NiFi's heap after a full GC before the run,
 * every 2% of the pairs written while it runs (summed up per tenth of the run, 10% and 100% marked) and when all are
 * written, wall time and pairs/s. Every Parquet file PutFile writes is read with
 * DuckDB (rows, full tile, no tile twice, OK count) and deleted while the run goes on, so the disk holds a few files at a time. Not part
 * of {@code ./mvnw verify} (failsafe's default includes are *IT): run with {@code -Dit.test=NiFiScaleBenchmark}, see
 * docs/benchmarks.md, "nifi-scale".
 */
@Tag("benchmark")
class NiFiScaleBenchmark {

    private static final String NIFI_HEAP = System.getProperty("benchmark.nifi.xmx", "768m");
    private static final int SITES = Integer.getInteger("benchmark.sites", 10_000);
    private static final int COMPETITORS = Integer.getInteger("benchmark.competitors", 20_000);
    /** A run that writes no file for this long has stalled: fail with NiFi's status instead of waiting forever. */
    private static final Duration STALL = Duration.ofMinutes(Integer.getInteger("benchmark.stall.minutes", 10));
    private static final Pattern HEAP_USED = Pattern.compile("\\bused (\\d+)K");
    /**
     * NiFi's heap after a full GC is sampled each time this percentage of the pairs more is written. One sample depends on
     * where the running tasks are in their tiles (a Parquet writer's row group fills and empties with each tile), so the
     * run is judged on many samples per tenth of it, not on one.
     */
    private static final int SAMPLE_PERCENT = Integer.getInteger("benchmark.heap.sample.percent", 2);

    /** NiFi's heap after a full GC at a point of the run, with the machine's load then. */
    private record HeapSample(String when, long pairsWritten, double seconds, long heapBytes, String load) {
    }

    @Test
    void sitesTimesCompetitorsThroughTheDriveTimeTemplate() throws Exception {
        final Path template = Path.of(NiFiSystemIT.requiredProperty("templates.dir")).resolve("drive-time-matrix.json");
        final int maxTableSize = templateServiceProperty(template, AndorraOsrm.SERVICE_NAME, "Max Table Size");
        final Path osrmHome = AndorraOsrm.locateHome();
        final Path home = Path.of(NiFiSystemIT.requiredProperty("nifi.home"));
        final Path work = home.getParent().resolve("scale-benchmark");
        NiFiHome.deleteRecursively(work);
        final Path osrm = AndorraOsrm.prepare(osrmHome, work.resolve("osrm"));

        final Path staged = work.resolve("sites.csv");
        AndorraOsrm.writeCsv(AndorraOsrm.points("s", SITES, 17), staged);
        final Path competitorsFile = work.resolve("competitors.csv");
        AndorraOsrm.writeCsv(AndorraOsrm.points("c", COMPETITORS, 18), competitorsFile);
        final Path input = Files.createDirectories(work.resolve("input"));
        final Path output = work.resolve("output");
        final Path failed = work.resolve("failed");
        final Path invalid = work.resolve("invalid");
        final long expected = (long) SITES * COMPETITORS;

        try (NiFiProcess nifi = NiFiProcess.start(NiFiHome.prepare(home), NIFI_HEAP, Duration.ofMinutes(8));
             AndorraOsrm server = AndorraOsrm.start(osrmHome, osrm, maxTableSize, work)) {
            final NiFiRestClient rest = nifi.rest();
            final FlowRunner flows = new FlowRunner(rest);
            System.out.printf(Locale.ROOT, "NiFi booted in %.1f s; osrm-routed --max-table-size %d at %s%n",
                    nifi.bootTime().toMillis() / 1000.0, maxTableSize, server.baseUrl());
            final String groupId = flows.importFlow("scale " + SITES + " x " + COMPETITORS, Files.readAllBytes(template));
            flows.assertExtensionsResolved(groupId);
            final Map<String, String> parameters = new LinkedHashMap<>(); // chunk.size and everything else as shipped
            parameters.put("input.directory", input.toString());
            parameters.put("competitors.file", competitorsFile.toString());
            parameters.put("output.directory", output.toString());
            parameters.put("invalid.directory", invalid.toString());
            parameters.put("failure.directory", failed.toString());
            flows.setParameters(groupId, parameters);
            server.useIn(flows, rest, groupId, Map.of()); // Base URL only: Max Table Size and the rest as shipped
            final Map<String, String> processorIds = new LinkedHashMap<>();
            for (final JsonNode processor : flows.processors(groupId)) {
                processorIds.put(processor.path("component").path("name").asText(), processor.path("id").asText());
            }
            flows.enableServices(groupId, Duration.ofMinutes(2));
            flows.awaitProcessorsValid(groupId, Duration.ofSeconds(60));

            final List<HeapSample> heap = new ArrayList<>();
            heap.add(new HeapSample("before the run (flow imported, services enabled)", 0, 0, heapAfterFullGc(nifi.pid()), loadAverage()));
            Files.copy(staged, work.resolve("sites.tmp"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(work.resolve("sites.tmp"), input.resolve("sites.csv"), StandardCopyOption.ATOMIC_MOVE);
            final long startMillis = System.currentTimeMillis();
            final long startNanos = System.nanoTime();
            flows.setGroupState(groupId, "RUNNING");

            final OutputTally tally = new OutputTally(expected);
            long peakRss = 0;
            int nextSample = SAMPLE_PERCENT;
            long lastProgressNanos = System.nanoTime();
            try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
                sql.execute("SET threads = 1"); // leave the cores to NiFi and osrm-routed
                while (tally.rows < expected) {
                    final long before = tally.rows;
                    tally.countAndDelete(output, sql);
                    assertTrue(!Files.exists(failed) || isEmpty(failed), "nothing in failure: " + list(failed) + "\n" + flows.statusReport(groupId));
                    peakRss = Math.max(peakRss, nifi.residentSetBytes().orElse(0L));
                    if (nextSample < 100 && tally.rows * 100 >= expected * nextSample && tally.rows < expected) {
                        final long percent = tally.rows * 100 / expected;
                        heap.add(new HeapSample(percent + "% of the pairs written (running)", tally.rows,
                                (System.nanoTime() - startNanos) / 1e9, heapAfterFullGc(nifi.pid()), loadAverage()));
                        System.out.println("heap sample: " + heap.get(heap.size() - 1));
                        nextSample = (int) (percent / SAMPLE_PERCENT + 1) * SAMPLE_PERCENT;
                    }
                    if (tally.rows > before) {
                        lastProgressNanos = System.nanoTime();
                        System.out.printf(Locale.ROOT, "%,d of %,d pairs written (%d files) after %.0f s, load %s%n", tally.rows, expected,
                                tally.files, (System.nanoTime() - startNanos) / 1e9, loadAverage());
                    } else if (System.nanoTime() - lastProgressNanos > STALL.toNanos()) {
                        throw new AssertionError("no Parquet file for " + STALL + " at " + tally.rows + " of " + expected + " pairs\n"
                                + flows.statusReport(groupId));
                    } else {
                        Thread.sleep(1000);
                    }
                }
            }
            final double wallSeconds = (tally.lastModifiedMillis - startMillis) / 1000.0;
            heap.add(new HeapSample("100% of the pairs written (flow idle)", tally.rows, (System.nanoTime() - startNanos) / 1e9,
                    heapAfterFullGc(nifi.pid()), loadAverage()));
            try {
                flows.awaitQuiescence(groupId, Duration.ofMinutes(5));
            } finally {
                flows.setGroupState(groupId, "STOPPED");
            }
            try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
                tally.countAndDelete(output, sql); // nothing more may have arrived
            }
            assertTrue(!Files.exists(failed) || isEmpty(failed), "nothing in failure: " + list(failed));
            assertTrue(!Files.exists(invalid) || isEmpty(invalid), "no invalid site: " + list(invalid));
            assertEquals(expected, tally.rows, "pairs written = pairs expected");

            final Map<String, Long> chunker = flows.counters(processorIds.get("ChunkCoordinates"));
            final Map<String, Long> router = flows.counters(processorIds.get("InvokeRoutingMatrix"));
            final long tiles = chunker.getOrDefault("Tiles", 0L);
            final long rowFiles = router.getOrDefault("Tiles routed", 0L);
            assertEquals(tiles, rowFiles, "every tile routed once");
            assertEquals(rowFiles, tally.files, "one Parquet file per tile");
            assertEquals(expected, router.getOrDefault("Pairs OK", 0L) + router.getOrDefault("Pairs unroutable", 0L)
                    + router.getOrDefault("Pairs without road", 0L) + router.getOrDefault("Pairs estimated", 0L)
                    + router.getOrDefault("Pairs with invalid coordinates", 0L), "InvokeRoutingMatrix's pair counters");
            flows.setServicesState(groupId, "DISABLED");

            System.out.printf(Locale.ROOT, "%nNiFi 2.3.0, templates/drive-time-matrix.json as shipped (chunk.size 100, Max Pairs Per Tile "
                            + "default), OSRM engine service (Max Table Size %d) on osrm-routed v6.0.0 --max-table-size %d, Andorra, NiFi -Xmx%s:%n",
                    maxTableSize, maxTableSize, NIFI_HEAP);
            System.out.printf(Locale.ROOT, "  sites x competitors                 %,d x %,d%n", SITES, COMPETITORS);
            System.out.printf(Locale.ROOT, "  pairs expected / written            %,d / %,d (OK %,d, other statuses %,d)%n", expected, tally.rows,
                    tally.ok, tally.rows - tally.ok);
            System.out.printf(Locale.ROOT, "  FlowFiles created                   %,d = 1 site file + %,d tiles (ChunkCoordinates) + %,d row files "
                    + "(InvokeRoutingMatrix)%n", 1 + tiles + rowFiles, tiles, rowFiles);
            System.out.printf(Locale.ROOT, "  Parquet files / MB (deleted after counting) %,d / %,.1f, largest tile %,d rows%n", tally.files,
                    tally.bytes / 1048576.0, tally.largestFile);
            System.out.printf(Locale.ROOT, "  wall time (start to last Parquet file) %.1f s, %,.0f pairs/s%n", wallSeconds, expected / wallSeconds);
            System.out.printf(Locale.ROOT, "  NiFi peak RSS sampled               %,.0f MB%n", peakRss / 1048576.0);
            final HeapSample before = heap.get(0);
            final HeapSample done = heap.get(heap.size() - 1);
            System.out.printf(Locale.ROOT, "  heap after full GC, before the run (flow imported, services enabled) %,7.1f MB (load %s)%n",
                    before.heapBytes() / 1048576.0, before.load());
            System.out.printf(Locale.ROOT, "  heap after full GC while running, every %d%% of the pairs, per tenth of the run: samples, min / median / max MB, "
                    + "load at its last sample%n", SAMPLE_PERCENT);
            for (int tenth = 0; tenth < 10; tenth++) {
                final int from = tenth * 10;
                final List<HeapSample> inTenth = heap.subList(1, heap.size() - 1).stream()
                        .filter(h -> h.pairsWritten() * 100 > expected * from && h.pairsWritten() * 100 <= expected * (from + 10)).toList();
                if (inTenth.isEmpty()) {
                    continue;
                }
                final List<Long> sorted = inTenth.stream().map(HeapSample::heapBytes).sorted().toList();
                System.out.printf(Locale.ROOT, "    %3d-%3d%%  %2d  %,7.1f / %,7.1f / %,7.1f  (load %s)%n", from, from + 10, sorted.size(),
                        sorted.get(0) / 1048576.0, sorted.get(sorted.size() / 2) / 1048576.0, sorted.get(sorted.size() - 1) / 1048576.0,
                        inTenth.get(inTenth.size() - 1).load());
            }
            heap.subList(1, heap.size() - 1).stream().filter(h -> h.pairsWritten() * 10 >= expected).findFirst().ifPresent(h ->
                    System.out.printf(Locale.ROOT, "  heap after full GC at 10%% of the pairs (first sample at or past it)   %,7.1f MB (%,d pairs, %.0f s, load %s)%n",
                            h.heapBytes() / 1048576.0, h.pairsWritten(), h.seconds(), h.load()));
            System.out.printf(Locale.ROOT, "  heap after full GC at 100%% of the pairs (flow idle)                    %,7.1f MB (%.0f s, load %s)%n",
                    done.heapBytes() / 1048576.0, done.seconds(), done.load());
            System.out.println("  ChunkCoordinates counters           " + chunker);
            System.out.println("  InvokeRoutingMatrix counters        " + router);
        }
    }

    /** Counts and deletes the Parquet files PutFile has finished (it writes a dot-file and renames it). */
    private static final class OutputTally {
        private final long expected;
        private final Set<String> tileKeys = new HashSet<>();
        long rows;
        long ok;
        long files;
        long bytes;
        long largestFile;
        long lastModifiedMillis;

        OutputTally(final long expected) {
            this.expected = expected;
        }

        void countAndDelete(final Path output, final Statement sql) throws Exception {
            if (!Files.isDirectory(output)) {
                return;
            }
            final List<Path> done;
            try (Stream<Path> list = Files.list(output)) {
                done = list.filter(f -> !f.getFileName().toString().startsWith(".") && f.toString().endsWith(".parquet")).sorted().toList();
            }
            for (final Path file : done) {
                final String quoted = "'" + file.toString().replace("'", "''") + "'";
                try (ResultSet result = sql.executeQuery("SELECT count(*), count(DISTINCT origin_id), count(DISTINCT destination_id), "
                        + "min(origin_id) || '|' || min(destination_id), count(*) FILTER (WHERE status = 'OK') "
                        + "FROM read_parquet(" + quoted + ")")) {
                    result.next();
                    final long fileRows = result.getLong(1);
                    assertEquals(result.getLong(2) * result.getLong(3), fileRows, file + " is one full origin x destination tile");
                    assertTrue(tileKeys.add(result.getString(4)), file + " repeats a tile already written");
                    rows += fileRows;
                    ok += result.getLong(5);
                    largestFile = Math.max(largestFile, fileRows);
                }
                files++;
                bytes += Files.size(file);
                lastModifiedMillis = Math.max(lastModifiedMillis, Files.getLastModifiedTime(file).toMillis());
                Files.delete(file);
                assertTrue(rows <= expected, "more pairs written than expected: " + rows);
            }
        }
    }

    /** Runs a full GC in NiFi's JVM ({@code jcmd GC.run}) and returns the heap then in use ({@code GC.heap_info}). */
    static long heapAfterFullGc(final long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        final String info = jcmd(pid, "GC.heap_info");
        final Matcher used = HEAP_USED.matcher(info);
        assertTrue(used.find(), "no heap used in jcmd GC.heap_info: " + info);
        return Long.parseLong(used.group(1)) * 1024;
    }

    private static String jcmd(final long pid, final String command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true).start();
        final String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + command + " failed: " + text);
        }
        return text;
    }

    /** The 1, 5 and 15 minute load averages, as uptime prints them (Linux; "n/a" elsewhere). */
    static String loadAverage() {
        try {
            final String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (final IOException e) {
            return "n/a";
        }
    }

    /** A property of a template's controller service, as an int (e.g. the OSRM engine's Max Table Size). */
    private static int templateServiceProperty(final Path template, final String service, final String property) throws IOException {
        for (final JsonNode node : JSON.readTree(template.toFile()).path("flowContents").path("controllerServices")) {
            if (service.equals(node.path("name").asText())) {
                return Integer.parseInt(node.path("properties").path(property).asText());
            }
        }
        throw new AssertionError("no service " + service + " in " + template);
    }

    private static boolean isEmpty(final Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    private static List<String> list(final Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).limit(20).toList();
        } catch (final IOException e) {
            return List.of(e.toString());
        }
    }
}
