package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.github.nifirouting.systemtest.NiFiRestClient.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tryout a new user starts with {@code ./try-it.sh}, started the same way ({@link TryIt#start}) in its own NiFi:
 * nothing invalid after the import, a dropped CSV comes out as Parquet, a screenshot of the canvas, a flow definition
 * that survives a download and re-import, and the Prometheus metrics an operator watches. See docs/getting-started.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TryItIT {

    /** Per processor (label component_name): throughput in FlowFiles, records and bytes, threads, lineage age (batch latency). */
    static final List<String> PROCESSOR_METRICS = List.of("nifi_amount_flowfiles_received", "nifi_amount_flowfiles_sent",
            "nifi_amount_items_input", "nifi_amount_items_output", "nifi_amount_bytes_read", "nifi_amount_bytes_written",
            "nifi_amount_threads_active", "nifi_average_lineage_duration");
    /** Per connection (label component_name = the connection's name): queue depth and back-pressure. */
    static final List<String> CONNECTION_METRICS = List.of("nifi_amount_items_queued", "nifi_size_content_queued_total",
            "nifi_backpressure_object_threshold", "nifi_backpressure_bytes_threshold", "nifi_backpressure_enabled",
            "nifi_percent_used_count", "nifi_percent_used_bytes");
    /** The JVM of the node: heap and GC (NiFi exports no RSS; docs/operations.md says where to get it). */
    static final List<String> JVM_METRICS = List.of("nifi_jvm_heap_used", "nifi_jvm_heap_usage", "nifi_jvm_gc_time", "nifi_jvm_gc_runs",
            "nifi_jvm_thread_count");
    /** Our processors' counters (nifi_processor_counters{processor_name, counter_name}): pairs routed, tiles, engine calls. */
    static final Map<String, List<String>> COUNTERS = Map.of("InvokeRoutingMatrix", List.of("Pairs OK", "Tiles routed", "Engine requests"),
            "ChunkCoordinates", List.of("Tiles", "Records valid", "Records invalid"));

    private static Path target;
    private static TryIt.Session tryIt;
    private static final Map<String, String> figures = new LinkedHashMap<>();

    @BeforeAll
    static void startTheTryout() throws IOException {
        final Path assembled = Path.of(required("nifi.home"));
        target = assembled.getParent();
        tryIt = TryIt.start(assembled, target.resolve("try-it"), Path.of(required("osm.dir")), Path.of(required("templates.dir")), System.out);
        figures.put("start to a running canvas (boot, import, enable, start)", seconds(tryIt.startToCanvas()));
        figures.put("NiFi boot", seconds(tryIt.nifi().bootTime()));
    }

    @AfterAll
    static void stop() {
        if (tryIt != null) {
            tryIt.close();
            System.out.println("Try-it figures:");
            figures.forEach((name, value) -> System.out.printf("  %-60s %s%n", name, value));
        }
    }

    /** Nothing on the canvas is invalid: every processor valid, every service the processors use enabled and valid. */
    @Test
    @Order(1)
    void nothingIsInvalidAfterTheImport() {
        final List<String> problems = new ArrayList<>();
        final List<String> disabled = new ArrayList<>();
        for (final Map.Entry<String, String> group : tryIt.groups().entrySet()) {
            for (final JsonNode processor : tryIt.flows().processors(group.getValue())) {
                final JsonNode component = processor.path("component");
                if (!"VALID".equals(component.path("validationStatus").asText())) {
                    problems.add(group.getKey() + ": processor " + component.path("name").asText() + " " + component.path("validationErrors"));
                }
                if (!"RUNNING".equals(component.path("state").asText())) {
                    problems.add(group.getKey() + ": processor " + component.path("name").asText() + " is " + component.path("state").asText());
                }
            }
            for (final JsonNode service : tryIt.flows().services(group.getValue())) {
                final JsonNode component = service.path("component");
                final String name = group.getKey() + ": " + component.path("name").asText();
                if ("ENABLED".equals(component.path("state").asText())) {
                    if (!"VALID".equals(component.path("validationStatus").asText())) {
                        problems.add(name + " is enabled but " + component.path("validationStatus").asText() + " " + component.path("validationErrors"));
                    }
                } else {
                    disabled.add(component.path("name").asText() + " " + component.path("validationStatus").asText()
                            + (component.path("validationErrors").isEmpty() ? "" : " " + component.path("validationErrors")));
                    if (component.path("type").asText().endsWith("EmbeddedGraphHopperEngine") || component.path("type").asText().endsWith("RecordSetWriter")
                            || component.path("type").asText().endsWith("CoordinateSet") || component.path("type").asText().endsWith("CSVReader")) {
                        problems.add(name + " should be enabled, is " + component.path("state").asText());
                    }
                }
            }
            final JsonNode bulletins = tryIt.nifi().rest().get("/flow/bulletin-board?groupId=" + group.getValue() + "&limit=30")
                    .path("bulletinBoard").path("bulletins");
            bulletins.forEach(entity -> {
                if ("ERROR".equals(entity.path("bulletin").path("level").asText())) {
                    problems.add(group.getKey() + ": ERROR bulletin " + entity.path("bulletin").path("sourceName").asText() + ": "
                            + entity.path("bulletin").path("message").asText());
                }
            });
        }
        System.out.println("Services left disabled (alternative engines, enabled by the user when chosen): " + disabled);
        assertTrue(problems.isEmpty(), "after the tryout's import:\n  " + String.join("\n  ", problems));
        // Each value entered once: both flows' contexts inherit the same engine-settings context.
        final Set<String> shared = new TreeSet<>();
        for (final String group : tryIt.groups().values()) {
            final String context = tryIt.nifi().rest().get("/process-groups/" + group).path("component").path("parameterContext").path("id").asText();
            tryIt.nifi().rest().get("/parameter-contexts/" + context).path("component").path("inheritedParameterContexts")
                    .forEach(inherited -> shared.add(inherited.path("id").asText()));
        }
        assertEquals(1, shared.size(), "both flows inherit one engine-settings context: " + shared);
        final JsonNode contexts = tryIt.nifi().rest().get("/flow/parameter-contexts").path("parameterContexts");
        assertEquals(3, contexts.size(), "one context per flow plus the shared one, not a copy per import: " + contexts.findValuesAsText("name"));
    }

    /** What a user does next: drop a CSV into the input folder, find Parquet in the output folder. */
    @Test
    @Order(2)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aDroppedCsvComesOutAsParquet() throws Exception {
        final Path data = tryIt.data();
        final long begin = System.nanoTime();
        drop(data.resolve("samples/sites.csv"), data.resolve("drive-time-matrix/input"));
        drop(data.resolve("samples/stores.csv"), data.resolve("catchment-isochrones/input"));
        final Path matrix = awaitFile(data.resolve("drive-time-matrix/output"), ".parquet", Duration.ofMinutes(3));
        figures.put("drop sites.csv to the first Parquet file", seconds(Duration.ofNanos(System.nanoTime() - begin)));
        final Path catchments = awaitFile(data.resolve("catchment-isochrones/output"), ".parquet", Duration.ofMinutes(3));
        figures.put("drop stores.csv to its GeoParquet file", seconds(Duration.ofNanos(System.nanoTime() - begin)));
        final Path invalid = awaitFile(data.resolve("drive-time-matrix/invalid"), "", Duration.ofMinutes(1));
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            try (ResultSet rows = sql.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'OK'), count(DISTINCT origin_id), "
                    + "count(DISTINCT destination_id) FROM read_parquet('" + matrix + "')")) {
                rows.next();
                System.out.printf("%s: %d rows, %d OK, %d origins x %d destinations%n", matrix.getFileName(), rows.getLong(1), rows.getLong(2),
                        rows.getLong(3), rows.getLong(4));
                assertEquals(10 * 6, rows.getLong(1), "10 valid sample sites x 6 competitors");
                assertTrue(rows.getLong(2) >= 50, "most Andorra pairs are routed: " + rows.getLong(2));
            }
            try (ResultSet rows = sql.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'OK') FROM read_parquet('" + catchments + "')")) {
                rows.next();
                assertEquals(3 * 3, rows.getLong(1), "3 stores x 5/10/15 min");
                assertEquals(9, rows.getLong(2));
            }
        }
        assertTrue(Files.readString(invalid).contains("s11"), "the out-of-range sample site is in the invalid output");
        assertTrue(list(data.resolve("drive-time-matrix/failed")).isEmpty(), "nothing failed: " + list(data.resolve("drive-time-matrix/failed")));
    }

    @Test
    @Order(3)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void screenshotsTheCanvas() throws Exception {
        final String group = tryIt.groups().get("drive-time-matrix.json");
        // Selecting a component centres the canvas on it: the tiles connection sits in the middle of the flow, so the
        // whole drive-time-matrix flow (retry loop included) is in view, clear of the navigation and operation panels.
        String tiles = null;
        for (final JsonNode connection : tryIt.nifi().rest().get("/process-groups/" + group + "/connections").path("connections")) {
            if ("O-D tiles".equals(connection.path("component").path("name").asText())) {
                tiles = connection.path("id").asText();
            }
        }
        assertTrue(tiles != null, "the drive-time-matrix flow has its 'O-D tiles' connection");
        final URI flow = URI.create(tryIt.nifi().webUi() + "#/process-groups/" + group + "/Connection/" + tiles);
        final long begin = System.nanoTime();
        final Path png = CanvasScreenshot.take(flow, target.resolve("try-it").resolve("getting-started.png"), 1800, 1100, Duration.ofSeconds(20));
        figures.put("canvas screenshot (headless Chromium)", seconds(Duration.ofNanos(System.nanoTime() - begin)));
        System.out.println("Canvas screenshot: " + png + " (" + Files.size(png) + " bytes); docs/getting-started.png is a copy");
        assertTrue(Files.size(png) > 20_000, "a drawn canvas, not a blank page: " + Files.size(png) + " bytes");
    }

    /**
     * A flow definition survives a round trip, as NiFi Registry stores it: import, download through the REST API, import the
     * download, download again: identical components, properties, connections and parameters.
     */
    @Test
    @Order(4)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aFlowDefinitionSurvivesDownloadAndReimport() throws Exception {
        final NiFiRestClient rest = tryIt.nifi().rest();
        double y = 300;
        for (final Map.Entry<String, String> group : tryIt.groups().entrySet()) {
            final JsonNode first = rest.get("/process-groups/" + group.getValue() + "/download");
            final Path saved = target.resolve("try-it").resolve("downloaded-" + group.getKey());
            JSON.writerWithDefaultPrettyPrinter().writeValue(saved.toFile(), first);
            final String copy = rest.uploadFlowDefinition(rest.rootGroupId(), group.getKey() + " (round trip)", Files.readAllBytes(saved), 0, y)
                    .path("id").asText();
            y += 250;
            tryIt.flows().assertExtensionsResolved(copy);
            final JsonNode second = rest.get("/process-groups/" + copy + "/download");
            final JsonNode a = comparable(first);
            final JsonNode b = comparable(second);
            assertEquals(a.path("flowContents"), b.path("flowContents"), group.getKey() + ": components, properties or connections changed");
            assertEquals(a.path("parameterContexts"), b.path("parameterContexts"), group.getKey() + ": parameters changed");
            assertEquals(a.path("externalControllerServices"), b.path("externalControllerServices"));
            // ... and the download is the template as imported, with the values the tryout set.
            final JsonNode template = comparable(JSON.readTree(Path.of(required("templates.dir")).resolve(group.getKey()).toFile()));
            assertEquals(names(template.path("flowContents"), "processors"), names(a.path("flowContents"), "processors"));
            assertEquals(names(template.path("flowContents"), "controllerServices"), names(a.path("flowContents"), "controllerServices"));
            assertEquals(template.path("flowContents").path("connections").size(), a.path("flowContents").path("connections").size());
            assertEquals(template.path("parameterContexts").size(), a.path("parameterContexts").size(), "parameter contexts of " + group.getKey());
            System.out.printf("%s: download -> import -> download identical: %d processors, %d services, %d connections, %d parameter contexts%n",
                    group.getKey(), a.path("flowContents").path("processors").size(), a.path("flowContents").path("controllerServices").size(),
                    a.path("flowContents").path("connections").size(), a.path("parameterContexts").size());
        }
    }

    /** The metrics docs/operations.md names, seen on NiFi's Prometheus endpoint after the run, for our processors. */
    @Test
    @Order(5)
    void prometheusEndpointCarriesTheMetricsOperatorsWatch() throws Exception {
        final String scrape = tryIt.nifi().rest().text("/flow/metrics/prometheus");
        Files.writeString(target.resolve("try-it").resolve("prometheus.txt"), scrape);
        final List<Sample> samples = scrape.lines().filter(line -> !line.startsWith("#") && !line.isBlank()).map(Sample::parse).toList();
        final List<String> missing = new ArrayList<>();
        for (final String metric : PROCESSOR_METRICS) {
            for (final String processor : List.of("InvokeRoutingMatrix", "ChunkCoordinates", "BuildIsochrones")) {
                if (samples.stream().noneMatch(s -> s.name().equals(metric) && "Processor".equals(s.labels().get("component_type"))
                        && processor.equals(s.labels().get("component_name")))) {
                    missing.add(metric + "{component_type=\"Processor\",component_name=\"" + processor + "\"}");
                }
            }
        }
        for (final String metric : CONNECTION_METRICS) {
            if (samples.stream().noneMatch(s -> s.name().equals(metric) && "Connection".equals(s.labels().get("component_type"))
                    && "O-D tiles".equals(s.labels().get("component_name")))) {
                missing.add(metric + "{component_type=\"Connection\",component_name=\"O-D tiles\"}");
            }
        }
        for (final String metric : JVM_METRICS) {
            if (samples.stream().noneMatch(s -> s.name().equals(metric))) {
                missing.add(metric);
            }
        }
        COUNTERS.forEach((processor, counters) -> counters.forEach(counter -> {
            if (samples.stream().noneMatch(s -> s.name().equals("nifi_processor_counters") && processor.equals(s.labels().get("processor_name"))
                    && counter.equals(s.labels().get("counter_name")))) {
                missing.add("nifi_processor_counters{processor_name=\"" + processor + "\",counter_name=\"" + counter + "\"}");
            }
        }));
        System.out.println("Prometheus metric names: " + new TreeSet<>(samples.stream().map(Sample::name).toList()));
        assertTrue(missing.isEmpty(), "missing on /nifi-api/flow/metrics/prometheus: " + missing);
        final double pairs = samples.stream().filter(s -> s.name().equals("nifi_processor_counters")
                        && "InvokeRoutingMatrix".equals(s.labels().get("processor_name")) && "Pairs OK".equals(s.labels().get("counter_name")))
                .mapToDouble(Sample::value).sum();
        assertTrue(pairs >= 50, "the sample's routed pairs are counted: " + pairs);
    }

    /** One line of Prometheus' text format: {@code name{label="value",...} number}. */
    record Sample(String name, Map<String, String> labels, double value) {
        private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        static Sample parse(final String line) {
            final int brace = line.indexOf('{');
            final int close = line.lastIndexOf('}');
            final String name = brace < 0 ? line.substring(0, line.indexOf(' ')) : line.substring(0, brace);
            final Map<String, String> labels = new HashMap<>();
            if (brace >= 0) {
                final java.util.regex.Matcher label = LABEL.matcher(line.substring(brace + 1, close));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            final String[] rest = line.substring(brace < 0 ? line.indexOf(' ') : close + 1).trim().split("\\s+");
            return new Sample(name, labels, Double.parseDouble(rest[0]));
        }
    }

    /** A download without what differs between two imports of the same flow: ids (references become names), the group's name and place. */
    private static JsonNode comparable(final JsonNode download) {
        final Map<String, String> names = new HashMap<>();
        download.findParents("identifier").forEach(component -> names.put(component.path("identifier").asText(), component.path("name").asText()));
        download.findParents("instanceIdentifier").forEach(component -> names.put(component.path("instanceIdentifier").asText(), component.path("name").asText()));
        final JsonNode copy = download.deepCopy();
        final ObjectNode contents = (ObjectNode) copy.path("flowContents");
        contents.remove(List.of("name", "position", "identifier", "instanceIdentifier"));
        strip(copy, names);
        return copy;
    }

    private static void strip(final JsonNode node, final Map<String, String> names) {
        if (node instanceof ObjectNode object) {
            object.remove(List.of("identifier", "instanceIdentifier", "groupIdentifier", "groupId", "id", "versionedComponentId"));
            final Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                final Map.Entry<String, JsonNode> field = fields.next();
                if (field.getValue().isTextual() && names.containsKey(field.getValue().asText())) {
                    field.setValue(JSON.getNodeFactory().textNode("ref:" + names.get(field.getValue().asText())));
                } else {
                    strip(field.getValue(), names);
                }
            }
            // Component lists in a stable order: by name, then by the rest of their content.
            object.fields().forEachRemaining(field -> {
                if (field.getValue() instanceof ArrayNode array && array.size() > 1 && array.get(0).isObject()) {
                    final List<JsonNode> sorted = new ArrayList<>();
                    array.forEach(sorted::add);
                    sorted.sort((x, y) -> x.toString().compareTo(y.toString()));
                    array.removeAll();
                    sorted.forEach(array::add);
                }
            });
        } else if (node instanceof ArrayNode array) {
            array.forEach(element -> strip(element, names));
        }
    }

    private static Set<String> names(final JsonNode contents, final String collection) {
        final Set<String> names = new TreeSet<>();
        contents.path(collection).forEach(component -> names.add(component.path("name").asText() + " (" + component.path("type").asText() + ")"));
        return names;
    }

    /** As a user copies a file in: written beside the folder, then moved in, so GetFile never sees half a file. */
    private static void drop(final Path file, final Path inputFolder) throws IOException {
        final Path staging = Files.copy(file, inputFolder.resolveSibling(file.getFileName() + ".part"));
        Files.move(staging, inputFolder.resolve(file.getFileName()));
    }

    private static Path awaitFile(final Path folder, final String suffix, final Duration timeout) {
        return FlowRunner.await("a file in " + folder, timeout, () -> {
            final List<Path> files = list(folder).stream().filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
            return files.isEmpty() ? null : files.get(0);
        }, () -> tryIt.groups().values().stream().map(tryIt.flows()::statusReport).reduce("", String::concat));
    }

    private static List<Path> list(final Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (final IOException e) {
            return List.of();
        }
    }

    private static String seconds(final Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }

    private static String required(final String name) {
        final String value = System.getProperty(name);
        if (value == null || value.contains("${")) {
            throw new AssertionError("system property " + name + " is not set: run through Maven (see docs/system-test.md)");
        }
        return value;
    }
}
