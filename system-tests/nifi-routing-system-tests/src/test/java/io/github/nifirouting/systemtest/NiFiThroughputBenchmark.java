package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;


import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.github.nifirouting.systemtest.NiFiRestClient.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pairs/s of templates/drive-time-matrix.json in a real NiFi 2.3.0 on a real osrm-routed (Andorra, car, CH), site file
 * dropped to last Parquet file written, beside a plain {@code /table} GET loop over the same tiles (the origin and
 * destination blocks read back from NiFi's Parquet files) on the same server in the same run. Not part of
 * {@code ./mvnw verify} (failsafe's default includes are *IT): run with {@code -Dit.test=NiFiThroughputBenchmark}, see
 * docs/benchmarks.md, "nifi-throughput".
 */
@Tag("benchmark")
class NiFiThroughputBenchmark {

    /** InvokeRoutingMatrix's counter of yields on heap pressure (HeapGuard.YIELD_COUNTER; the processors are not on this classpath). */
    private static final String HEAP_YIELDS = "Yields on heap pressure";

    private static final String NIFI_HEAP = System.getProperty("benchmark.nifi.xmx", "768m");
    /**
     * CPUs (taskset list) for osrm-routed, and for NiFi and this JVM's plain loop; unset shares every CPU among all three.
     * Separate CPUs model the engine on its own host: NiFi's work then no longer takes CPU from the engine.
     */
    private static final String ENGINE_CPUS = System.getProperty("benchmark.engine.cpus");
    private static final String NIFI_CPUS = System.getProperty("benchmark.nifi.cpus");

    /** Server --max-table-size, sites, competitors, chunk.size. */
    private record Case(int tableSize, int sites, int competitors, int chunkSize) {
    }

    @Test
    void driveTimeTemplateBesidePlainTableLoop() throws Exception {
        final Path osrmHome = AndorraOsrm.locateHome();
        final Path home = Path.of(NiFiSystemIT.requiredProperty("nifi.home"));
        final Path work = home.getParent().resolve("throughput-benchmark");
        NiFiHome.deleteRecursively(work);
        final Path osrm = AndorraOsrm.prepare(osrmHome, work.resolve("osrm"));
        final List<Case> cases = List.of(
                // Both cases route 10M pairs. At 100 x 100 the retail shape (few sites, many competitors) gives tiles of 100 x 10,000
                // = 1M pairs, the template's tile size, cut into 100 requests; 8000 x 200 (the default before) gave tiles of 20k pairs.
                new Case(100, Integer.getInteger("benchmark.sites.100", 1000), Integer.getInteger("benchmark.competitors.100", 10000), 100),
                new Case(1000, Integer.getInteger("benchmark.sites.1000", 10000), Integer.getInteger("benchmark.competitors.1000", 1000), 1000));
        final List<String> lines = new ArrayList<>();
        final List<String> jvmOptions = new ArrayList<>();
        if (Boolean.getBoolean("benchmark.jfr")) { // a JFR profile of NiFi, in the benchmark's work directory
            jvmOptions.add("-XX:StartFlightRecording=filename=" + work.resolve("nifi.jfr") + ",settings=profile,dumponexit=true");
        }
        if (Boolean.getBoolean("benchmark.gclog")) { // NiFi's GC log (collections, pauses, heap before/after), in the work directory
            jvmOptions.add("-Xlog:gc*:file=" + work.resolve("nifi-gc.log") + ":uptime,time");
        }
        try (NiFiProcess nifi = NiFiProcess.launch(NiFiHome.prepare(home), NIFI_HEAP, jvmOptions)) {
            CpuAffinity.pin(nifi.pid(), NIFI_CPUS);
            CpuAffinity.pin(ProcessHandle.current().pid(), NIFI_CPUS); // the plain loop's client runs where NiFi runs
            nifi.awaitRestApi(Duration.ofMinutes(8));
            final FlowRunner flows = new FlowRunner(nifi.rest());
            System.out.printf("NiFi booted in %.1f s, %d CPUs; osrm-routed on CPUs %s, NiFi and the plain loop on CPUs %s%n",
                    nifi.bootTime().toMillis() / 1000.0, Runtime.getRuntime().availableProcessors(),
                    ENGINE_CPUS == null ? "all" : ENGINE_CPUS, NIFI_CPUS == null ? "all" : NIFI_CPUS);
            for (final Case c : cases) {
                lines.add(run(c, nifi, flows, osrmHome, osrm, work.resolve("case-" + c.tableSize())));
            }
        }
        System.out.println("\nNiFi 2.3.0 drive-time-matrix.json (OSRM engine, Parquet writer) beside a plain /table GET loop, same server, same tiles:");
        System.out.printf("%-10s %-12s %6s %10s %9s %13s %13s %6s %6s %s%n", "max-table", "sites x comp", "tiles", "pairs", "requests",
                "NiFi pairs/s", "plain pairs/s", "ratio", "fill", "notes");
        lines.forEach(System.out::println);
    }

    private static String run(final Case c, final NiFiProcess nifi, final FlowRunner flows, final Path osrmHome, final Path osrm,
                              final Path dir) throws Exception {
        try (AndorraOsrm server = AndorraOsrm.start(osrmHome, osrm, c.tableSize(), dir)) {
            CpuAffinity.pin(server.pid(), ENGINE_CPUS);
            final String baseUrl = server.baseUrl();
            final Map<String, double[]> sites = AndorraOsrm.points("s", c.sites(), 1000 + c.tableSize());
            final Map<String, double[]> competitors = AndorraOsrm.points("c", c.competitors(), 2000 + c.tableSize());
            final Path staged = dir.resolve("sites.csv");
            AndorraOsrm.writeCsv(sites, staged);
            final Path competitorsFile = dir.resolve("competitors.csv");
            AndorraOsrm.writeCsv(competitors, competitorsFile);
            final Path input = Files.createDirectories(dir.resolve("input"));
            final Path output = dir.resolve("output");

            final String groupId = flows.importFlow("throughput max-table-size " + c.tableSize(),
                    Files.readAllBytes(Path.of(NiFiSystemIT.requiredProperty("templates.dir")).resolve("drive-time-matrix.json")));
            flows.assertExtensionsResolved(groupId);
            final Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("input.directory", input.toString());
            parameters.put("competitors.file", competitorsFile.toString());
            parameters.put("output.directory", output.toString());
            parameters.put("invalid.directory", dir.resolve("invalid").toString());
            parameters.put("failure.directory", dir.resolve("failed").toString());
            parameters.put("chunk.size", String.valueOf(c.chunkSize()));
            flows.setParameters(groupId, parameters);

            final NiFiRestClient rest = nifi.rest();
            final Map<String, String> serviceProperties = new LinkedHashMap<>();
            serviceProperties.put("Max Table Size", String.valueOf(c.tableSize()));
            serviceProperties.put("Max URL Length", "65536");
            serviceProperties.put("Read Timeout", "120 sec");
            server.useIn(flows, rest, groupId, serviceProperties);
            // Unset: the template's writer as shipped.
            final Map<String, String> writerProperties = new LinkedHashMap<>();
            if (System.getProperty("benchmark.parquet.dictionary") != null) {
                writerProperties.put("Dictionary Encoding", System.getProperty("benchmark.parquet.dictionary"));
            }
            if (System.getProperty("benchmark.parquet.zstd.level") != null) {
                writerProperties.put("ZSTD Level", System.getProperty("benchmark.parquet.zstd.level"));
            }
            if (!writerProperties.isEmpty()) {
                final JsonNode writer = flows.services(groupId).stream()
                        .filter(s -> "Matrix Parquet writer".equals(s.path("component").path("name").asText())).findFirst().orElseThrow();
                final ObjectNode writerUpdate = JSON.createObjectNode();
                writerUpdate.set("revision", rest.revision(writer));
                final ObjectNode writerComponent = writerUpdate.putObject("component");
                writerComponent.put("id", writer.path("id").asText());
                final ObjectNode properties = writerComponent.putObject("properties");
                writerProperties.forEach(properties::put);
                rest.put("/controller-services/" + writer.path("id").asText(), writerUpdate);
            }
            String routerId = null;
            int concurrentTasks = 0;
            for (final JsonNode processor : flows.processors(groupId)) {
                if (processor.path("component").path("name").asText().equals("InvokeRoutingMatrix")) {
                    routerId = processor.path("id").asText();
                    concurrentTasks = processor.path("component").path("config").path("concurrentlySchedulableTaskCount").asInt();
                    // Unset: the template's concurrent tasks; the plain loop always runs one thread per task.
                    final Integer tasks = Integer.getInteger("benchmark.tasks");
                    // Unset: the processor's Request Pipelining as shipped (one-ahead); "sequential" to compare.
                    final String pipelining = System.getProperty("benchmark.pipelining");
                    // Unset: the processor's Tiles per Trigger as shipped (4).
                    final String tilesPerTrigger = System.getProperty("benchmark.tiles.per.trigger");
                    if (tasks != null || pipelining != null || tilesPerTrigger != null) {
                        rest.updateProcessorConfig(processor, config -> {
                            if (tasks != null) {
                                config.put("concurrentlySchedulableTaskCount", tasks);
                            }
                            final ObjectNode properties = config.putObject("properties");
                            if (pipelining != null) {
                                properties.put("Request Pipelining", pipelining);
                            }
                            if (tilesPerTrigger != null) {
                                properties.put("Tiles per Trigger", tilesPerTrigger);
                            }
                        });
                        concurrentTasks = tasks != null ? tasks : concurrentTasks;
                    }
                }
                // Unset: the template's Max Pairs Per Tile (1,000,000); more pairs per tile give a tile several requests at 1000 x 1000.
                final String tilePairs = System.getProperty("benchmark.tile.pairs");
                if (tilePairs != null && processor.path("component").path("name").asText().equals("ChunkCoordinates")) {
                    rest.updateProcessorConfig(processor, config -> config.putObject("properties").put("Max Pairs Per Tile", tilePairs));
                }
                // Unset: the template's GetFile Run Schedule (10 sec), which can delay a round's pick-up by one period (tile-stall).
                final String getFileSchedule = System.getProperty("benchmark.getfile.schedule");
                if (getFileSchedule != null && processor.path("component").path("type").asText().endsWith(".GetFile")) {
                    rest.updateProcessorConfig(processor, config -> config.put("schedulingPeriod", getFileSchedule));
                }
            }
            assertTrue(routerId != null && concurrentTasks > 0, "template has an InvokeRoutingMatrix");
            flows.enableServices(groupId, Duration.ofMinutes(2));
            flows.awaitProcessorsValid(groupId, Duration.ofSeconds(30));

            // Warm the server (and its page cache) with the same amount of work as plain blocks, not timed.
            final List<List<String>[]> warmTiles = new ArrayList<>();
            final List<String> siteIds = new ArrayList<>(sites.keySet());
            warmTiles.add(new List[]{siteIds, new ArrayList<>(competitors.keySet())});
            plainLoop(baseUrl, warmTiles, sites, competitors, c.tableSize(), concurrentTasks);

            // Round 0 warms NiFi (JIT, writers) on the same input and is not counted; the last round is timed.
            final int rounds = Integer.getInteger("benchmark.rounds", 2);
            double nifiSeconds = 0;
            double quietSeconds = 0;
            double firstSeconds = 0;
            double pickUpSeconds = 0;
            List<Path> parquet = List.of();
            Map<String, Long> before = flows.counters(routerId);
            double engineCpuNiFi = 0;
            double nifiCpu = 0;
            for (int round = 0; round < rounds; round++) {
                final double engineCpuAtStart = cpuSeconds(server.pid());
                final double nifiCpuAtStart = cpuSeconds(nifi.pid());
                NiFiHome.deleteRecursively(output);
                before = flows.counters(routerId);
                Files.copy(staged, dir.resolve("sites.tmp"), StandardCopyOption.REPLACE_EXISTING);
                Files.move(dir.resolve("sites.tmp"), input.resolve("sites-" + round + ".csv"), StandardCopyOption.ATOMIC_MOVE);
                final long startMillis = System.currentTimeMillis();
                final long startNanos = System.nanoTime();
                flows.setGroupState(groupId, "RUNNING");
                try {
                    // On a loaded machine GetFile may take seconds to run first; quiet before it took the file is not the end.
                    final Path dropped = input.resolve("sites-" + round + ".csv");
                    final long pickUpDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    while (Files.exists(dropped) && System.nanoTime() < pickUpDeadline) {
                        Thread.sleep(20);
                    }
                    pickUpSeconds = (System.nanoTime() - startNanos) / 1e9;
                    flows.awaitQuiescence(groupId, Duration.ofMinutes(15));
                } finally {
                    flows.setGroupState(groupId, "STOPPED");
                }
                quietSeconds = (System.nanoTime() - startNanos) / 1e9;
                engineCpuNiFi = cpuSeconds(server.pid()) - engineCpuAtStart;
                nifiCpu = cpuSeconds(nifi.pid()) - nifiCpuAtStart;
                try (Stream<Path> files = Files.list(output)) {
                    parquet = files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList();
                }
                long lastWritten = 0;
                long firstWritten = Long.MAX_VALUE;
                for (final Path file : parquet) {
                    lastWritten = Math.max(lastWritten, Files.getLastModifiedTime(file).toMillis());
                    firstWritten = Math.min(firstWritten, Files.getLastModifiedTime(file).toMillis());
                }
                nifiSeconds = (lastWritten - startMillis) / 1000.0;
                firstSeconds = (firstWritten - startMillis) / 1000.0;
                final Map<String, Long> roundCounters = flows.counters(routerId);
                final long heapYields = roundCounters.getOrDefault(HEAP_YIELDS, 0L) - before.getOrDefault(HEAP_YIELDS, 0L);
                System.out.printf(Locale.ROOT, "max-table-size %d, round %d%s: %.1f s drop to last Parquet file (first after %.1f s), %d files, "
                                + "started %tT, GetFile took the file after %.1f s, %d yields on heap pressure%n", c.tableSize(), round,
                        round < rounds - 1 ? " (warm-up)" : "", nifiSeconds, firstSeconds, parquet.size(), startMillis, pickUpSeconds, heapYields);
            }
            assertTrue(!Files.exists(dir.resolve("failed")) || isEmpty(dir.resolve("failed")), "nothing failed");

            // The tiles NiFi made: origin and destination ids of each output file.
            final List<List<String>[]> tiles = new ArrayList<>();
            long rows = 0;
            try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
                for (final Path file : parquet) {
                    final String quoted = "'" + file.toString().replace("'", "''") + "'";
                    final List<String> origins = column(sql, "SELECT DISTINCT CAST(origin_id AS VARCHAR) FROM read_parquet(" + quoted + ") ORDER BY 1");
                    final List<String> destinations = column(sql, "SELECT DISTINCT CAST(destination_id AS VARCHAR) FROM read_parquet(" + quoted + ") ORDER BY 1");
                    try (ResultSet count = sql.executeQuery("SELECT count(*) FROM read_parquet(" + quoted + ")")) {
                        count.next();
                        rows += count.getLong(1);
                        assertEquals((long) origins.size() * destinations.size(), count.getLong(1), file + " is a full tile");
                    }
                    tiles.add(new List[]{origins, destinations});
                }
            }
            final long pairs = (long) c.sites() * c.competitors();
            assertEquals(pairs, rows, "every pair written");
            final Map<String, Long> counters = flows.counters(routerId);
            before.forEach((name, value) -> counters.merge(name, -value, Long::sum));
            final long requests = counters.getOrDefault("Engine requests", 0L);
            final double fill = (double) pairs / requests / ((double) c.tableSize() * c.tableSize());

            final double engineCpuAtPlainStart = cpuSeconds(server.pid());
            final long plainStart = System.nanoTime();
            final long[] plain = plainLoop(baseUrl, tiles, sites, competitors, c.tableSize(), concurrentTasks);
            final double plainSeconds = (System.nanoTime() - plainStart) / 1e9;
            final double engineCpuPlain = cpuSeconds(server.pid()) - engineCpuAtPlainStart;

            flows.setServicesState(groupId, "DISABLED");
            final double nifiRate = pairs / nifiSeconds;
            final double plainRate = pairs / plainSeconds;
            final String line = String.format(Locale.ROOT, "%-10d %-12s %6d %,10d %9s %,13.0f %,13.0f %6.2f %6.2f %s", c.tableSize(),
                    c.sites() + " x " + c.competitors(), tiles.size(), pairs, requests + "/" + plain[0], nifiRate, plainRate,
                    nifiRate / plainRate, fill, String.format(Locale.ROOT,
                            "NiFi %.1f s (drop to last Parquet file; first file %.1f s; quiet after %.1f s), plain %.1f s, "
                                    + "CPU us per pair: osrm-routed %.3f for NiFi, %.3f for the plain loop, NiFi's JVM %.3f (until quiet), "
                                    + "%d InvokeRoutingMatrix tasks = %d plain threads, "
                                    + "%.1f MB JSON in the plain loop, Parquet %.1f MB, counters %s",
                            nifiSeconds, firstSeconds, quietSeconds, plainSeconds, engineCpuNiFi * 1e6 / pairs, engineCpuPlain * 1e6 / pairs,
                            nifiCpu * 1e6 / pairs, concurrentTasks, concurrentTasks, plain[1] / 1048576.0,
                            parquet.stream().mapToLong(NiFiThroughputBenchmark::size).sum() / 1048576.0, counters));
            System.out.println(line);
            return line;
        }
    }

    /** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux; clock ticks of 1/100 s). */
    private static double cpuSeconds(final long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    /**
     * The plain loop: every tile cut into tableSize x tableSize blocks, one GET per block (plain-text coordinates, body read
     * as bytes, not parsed), {@code threads} threads sharing one keep-alive HTTP/1.1 client. Returns {requests, bytes}.
     */
    private static long[] plainLoop(final String baseUrl, final List<List<String>[]> tiles, final Map<String, double[]> sites,
                                    final Map<String, double[]> competitors, final int size, final int threads) throws Exception {
        final ConcurrentLinkedQueue<String> urls = new ConcurrentLinkedQueue<>();
        for (final List<String>[] tile : tiles) {
            for (int o = 0; o < tile[0].size(); o += size) {
                for (int d = 0; d < tile[1].size(); d += size) {
                    urls.add(url(baseUrl, tile[0].subList(o, Math.min(o + size, tile[0].size())), sites,
                            tile[1].subList(d, Math.min(d + size, tile[1].size())), competitors));
                }
            }
        }
        final long requests = urls.size();
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        final AtomicLong bytes = new AtomicLong();
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                String url;
                while ((url = urls.poll()) != null) {
                    try {
                        final HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).GET().build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        if (response.statusCode() != 200) {
                            throw new IOException("HTTP " + response.statusCode() + ": " + new String(response.body()));
                        }
                        bytes.addAndGet(response.body().length);
                    } catch (final Exception e) {
                        errors.add(e);
                        return;
                    }
                }
            }));
        }
        for (final Thread worker : workers) {
            worker.join();
        }
        assertTrue(errors.isEmpty(), "plain loop failed: " + errors);
        return new long[]{requests, bytes.get()};
    }

    private static String url(final String baseUrl, final List<String> origins, final Map<String, double[]> sites,
                              final List<String> destinations, final Map<String, double[]> competitors) {
        final StringBuilder url = new StringBuilder(baseUrl).append("/table/v1/driving/");
        for (int i = 0; i < origins.size(); i++) {
            final double[] p = sites.get(origins.get(i));
            url.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.5f,%.5f", p[1], p[0]));
        }
        for (final String id : destinations) {
            final double[] p = competitors.get(id);
            url.append(';').append(String.format(Locale.ROOT, "%.5f,%.5f", p[1], p[0]));
        }
        url.append("?sources=");
        for (int i = 0; i < origins.size(); i++) {
            url.append(i == 0 ? "" : ";").append(i);
        }
        url.append("&destinations=");
        for (int i = 0; i < destinations.size(); i++) {
            url.append(i == 0 ? "" : ";").append(origins.size() + i);
        }
        return url.append("&annotations=duration,distance&generate_hints=false").toString();
    }

    private static List<String> column(final Statement sql, final String query) throws Exception {
        final List<String> values = new ArrayList<>();
        try (ResultSet rows = sql.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private static boolean isEmpty(final Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    private static long size(final Path file) {
        try {
            return Files.size(file);
        } catch (final IOException e) {
            return 0;
        }
    }
}
