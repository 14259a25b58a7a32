package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one-command tryout ({@code ./try-it.sh}, docs/getting-started.md): NiFi 2.3.0 laid out by this module's Maven
 * build exactly as for the system test, started on 127.0.0.1 with the NAR, both flow definitions of templates/ imported
 * with a sample data folder (sites, competitors, the Andorra extract), their parameters set, the services their
 * processors use enabled (embedded engine; the HTTP engines' services stay disabled) and the flows running, so a CSV
 * dropped into an input folder comes out as Parquet. {@link TryItIT} starts it the same way and checks it.
 */
final class TryIt {

    static final String HEAP = "768m";
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration ENABLE_TIMEOUT = Duration.ofMinutes(3);
    static final String EXTRACT = "andorra.osm.pbf";

    /** A template and where its folders are, relative to the data folder. */
    record FlowSetup(String template, double x, double y, Map<String, String> folders, Map<String, String> files) {
    }

    /**
     * The flows and the parameters the tryout sets: folders (created) and sample files, relative to the data folder.
     * The engine settings (OSM extract, graph cache) live in the templates' shared context and are set once, with the
     * first flow.
     */
    static final List<FlowSetup> FLOWS = List.of(
            new FlowSetup("drive-time-matrix.json", 0, 0,
                    orderedMap("input.directory", "drive-time-matrix/input", "output.directory", "drive-time-matrix/output",
                            "invalid.directory", "drive-time-matrix/invalid", "failure.directory", "drive-time-matrix/failed",
                            "graph.cache.directory", "graph-cache"),
                    orderedMap("competitors.file", "competitors.csv", "osm.file", EXTRACT)),
            new FlowSetup("catchment-isochrones.json", 480, 0,
                    orderedMap("input.directory", "catchment-isochrones/input", "output.directory", "catchment-isochrones/output",
                            "invalid.directory", "catchment-isochrones/invalid", "failure.directory", "catchment-isochrones/failed"),
                    Map.of()));

    /** A started tryout: NiFi with both flows running. */
    static final class Session implements AutoCloseable {
        private final NiFiProcess nifi;
        private final FlowRunner flows;
        private final Path data;
        private final Map<String, String> groups;
        private final Duration startToCanvas;

        private Session(final NiFiProcess nifi, final FlowRunner flows, final Path data, final Map<String, String> groups,
                        final Duration startToCanvas) {
            this.nifi = nifi;
            this.flows = flows;
            this.data = data;
            this.groups = groups;
            this.startToCanvas = startToCanvas;
        }

        NiFiProcess nifi() {
            return nifi;
        }

        FlowRunner flows() {
            return flows;
        }

        Path data() {
            return data;
        }

        /** Template file name -> id of the process group it was imported as. */
        Map<String, String> groups() {
            return groups;
        }

        Duration startToCanvas() {
            return startToCanvas;
        }

        @Override
        public void close() {
            nifi.close();
        }
    }

    private TryIt() {
    }

    /**
     * @param assembledHome NiFi's home as this module's build lays it out (lib/, extensions/ with the NAR)
     * @param base          where the tryout keeps its own NiFi home (conf, repositories, logs) and its data folder
     */
    static Session start(final Path assembledHome, final Path base, final Path osmDir, final Path templatesDir, final PrintStream out)
            throws IOException {
        final long begin = System.nanoTime();
        final Path home = Files.createDirectories(base.resolve("nifi-home"));
        // The runtime is shared with the system test's home; state, conf and logs are the tryout's own.
        for (final String shared : List.of("lib", "extensions")) {
            final Path link = home.resolve(shared);
            if (!Files.isSymbolicLink(link)) {
                NiFiHome.deleteRecursively(link);
                Files.createSymbolicLink(link, assembledHome.toAbsolutePath().resolve(shared));
            }
        }
        final Path data = prepareData(base.resolve("data"), osmDir);
        out.println("Starting NiFi 2.3.0 in " + home + " ...");
        final NiFiProcess nifi = NiFiProcess.start(NiFiHome.prepare(home), HEAP, BOOT_TIMEOUT);
        try {
            final FlowRunner flows = new FlowRunner(nifi.rest());
            awaitBundleLoaded(nifi);
            final Map<String, String> groups = new LinkedHashMap<>();
            for (final FlowSetup flow : FLOWS) {
                final byte[] definition = Files.readAllBytes(templatesDir.resolve(flow.template()));
                final String name = flow.template().replace(".json", "");
                final JsonNode group = nifi.rest().uploadFlowDefinition(nifi.rest().rootGroupId(), name, definition, flow.x(), flow.y());
                final String id = group.path("id").asText();
                flows.assertExtensionsResolved(id);
                final Map<String, String> parameters = new LinkedHashMap<>();
                flow.folders().forEach((parameter, folder) -> parameters.put(parameter, data.resolve(folder).toString()));
                flow.files().forEach((parameter, file) -> parameters.put(parameter, data.resolve(file).toString()));
                flows.setParameters(id, parameters);
                flows.enableServices(id, ENABLE_TIMEOUT);
                flows.awaitProcessorsValid(id, Duration.ofSeconds(60));
                flows.setGroupState(id, "RUNNING");
                groups.put(flow.template(), id);
                out.printf("  %s: imported, services enabled, every processor valid, running%n", name);
            }
            return new Session(nifi, flows, data, groups, Duration.ofNanos(System.nanoTime() - begin));
        } catch (final IOException | RuntimeException | Error e) {
            out.println(nifi.logTail(60));
            nifi.close();
            throw e;
        }
    }

    /** The data folder: sample inputs, the competitor file, the extract, and empty input/output folders for both flows. */
    static Path prepareData(final Path data, final Path osmDir) throws IOException {
        NiFiHome.deleteRecursively(data);
        Files.createDirectories(data.resolve("samples"));
        for (final FlowSetup flow : FLOWS) {
            for (final String folder : flow.folders().values()) {
                Files.createDirectories(data.resolve(folder));
            }
        }
        for (final String sample : List.of("sites.csv", "stores.csv")) {
            copyResource("/try-it/" + sample, data.resolve("samples").resolve(sample));
        }
        copyResource("/try-it/competitors.csv", data.resolve("competitors.csv"));
        Files.copy(osmDir.resolve(EXTRACT), data.resolve(EXTRACT), StandardCopyOption.REPLACE_EXISTING);
        return data;
    }

    /** NARs in extensions/ may still be loading when the REST API first answers; imports before that would make ghosts. */
    private static void awaitBundleLoaded(final NiFiProcess nifi) {
        FlowRunner.await("NiFi to load the nifi-routing NAR", Duration.ofSeconds(90), () ->
                nifi.rest().get("/flow/processor-types?bundleArtifactFilter=nifi-routing-nar").path("processorTypes").size() > 0 ? true : null,
                () -> nifi.logTail(40));
    }

    private static void copyResource(final String name, final Path target) throws IOException {
        try (InputStream in = TryIt.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Map<String, String> orderedMap(final String... keysAndValues) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** How to use the running tryout, printed by {@link #main}. */
    static String instructions(final Session session, final Path base) {
        final Path data = session.data();
        final List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("NiFi 2.3.0 with the nifi-routing NAR is running (pid " + session.nifi().pid() + "), canvas ready after "
                + String.format("%.0f s", session.startToCanvas().toMillis() / 1000.0) + ":");
        lines.add("");
        lines.add("    " + session.nifi().webUi());
        lines.add("");
        lines.add("Both flows run on the embedded GraphHopper engine over the Andorra extract (" + data.resolve(EXTRACT) + ").");
        lines.add("Drive-time matrix: drop a CSV of sites (id,latitude,longitude,...) into");
        lines.add("    " + data.resolve("drive-time-matrix/input"));
        lines.add("  and get one Parquet file per tile (site x competitor in " + data.resolve("competitors.csv") + ") in");
        lines.add("    " + data.resolve("drive-time-matrix/output") + "   (invalid sites: ../invalid, failures: ../failed)");
        lines.add("  try:  cp " + data.resolve("samples/sites.csv") + " " + data.resolve("drive-time-matrix/input") + "/");
        lines.add("Catchments: drop a CSV of sites into " + data.resolve("catchment-isochrones/input"));
        lines.add("  and get GeoParquet polygons (5, 10, 15 min) in " + data.resolve("catchment-isochrones/output")
                + "   (invalid sites: ../invalid, failures: ../failed)");
        lines.add("  try:  cp " + data.resolve("samples/stores.csv") + " " + data.resolve("catchment-isochrones/input") + "/");
        lines.add("");
        lines.add("NiFi's log: " + base.resolve("nifi-home/logs/nifi-app.log"));
        lines.add("Stop it:    ./try-it.sh stop      (or: kill " + session.nifi().pid() + ")");
        return String.join("\n", lines);
    }

    /**
     * {@code ./try-it.sh} runs this after building: system properties {@code nifi.home} (the assembled home),
     * {@code try-it.dir}, {@code osm.dir}, {@code templates.dir}. NiFi keeps running after this JVM exits.
     */
    public static void main(final String[] args) throws IOException {
        final Path base = Path.of(required("try-it.dir")).toAbsolutePath().normalize();
        final Session session = start(Path.of(required("nifi.home")), base, Path.of(required("osm.dir")),
                Path.of(required("templates.dir")), System.out);
        session.nifi().detach();
        System.out.println(instructions(session, base));
    }

    private static String required(final String property) {
        final String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("system property " + property + " is not set (run ./try-it.sh)");
        }
        return value;
    }
}
