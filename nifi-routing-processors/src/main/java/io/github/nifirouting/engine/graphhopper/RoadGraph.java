package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.GraphHopper;
import com.graphhopper.GraphHopperConfig;
import com.graphhopper.config.CHProfile;
import com.graphhopper.config.Profile;
import com.graphhopper.routing.ev.Subnetwork;
import com.graphhopper.routing.util.DefaultSnapFilter;
import com.graphhopper.routing.util.EdgeFilter;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.storage.BaseGraph;
import com.graphhopper.storage.RoutingCHGraph;
import com.graphhopper.storage.index.Snap;
import com.graphhopper.util.GHUtility;
import com.graphhopper.util.PMap;
import com.graphhopper.util.TurnCostsConfig;
import com.graphhopper.util.shapes.BBox;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The lifecycle of one road graph loaded in process with GraphHopper: open (import an OSM extract or load the graph
 * cached by an earlier import), the cache key, snapping points to usable roads, and close. The searches live in
 * {@link MatrixSearch} and {@link ReachabilitySearch}; their working memory is one {@link SearchSpace} per thread,
 * sized by what a search visits, never by the graph.
 * <p>
 * Thread safe: the graph is read-only once loaded; every call builds its own query graph.
 */
public final class RoadGraph implements AutoCloseable {

    /**
     * Bumped when the stored graph changes for the same file and mode (2: turn restrictions and turn costs stored; 3: the
     * profile's contraction hierarchy stored next to the graph), so an older cached graph is never loaded with a profile it
     * was not built for.
     */
    static final int GRAPH_LAYOUT = 3;

    /** The travel modes the embedded engine supports, with the encoded values their GraphHopper custom models need. */
    public enum Mode {
        CAR("car.json", "car_access|block_private=false, car_average_speed, road_access", "footway,cycleway,path,pedestrian,steps", true),
        BIKE("bike.json", "bike_priority, bike_access, roundabout, bike_average_speed, bike_road_access, foot_road_access, average_slope, "
                + "mtb_rating, hike_rating, country, road_class", "motorway", true),
        FOOT("foot.json", "foot_access, foot_priority, foot_average_speed, foot_road_access, hike_rating, mtb_rating, average_slope, "
                + "country, road_class", "motorway", false);

        final String customModel;
        final String encodedValues;
        /** Highways the mode never uses, left out at import to keep the graph small. */
        final String ignoredHighways;
        /** Whether OSM turn restrictions (and GraphHopper's turn costs for the vehicle) apply, as in GraphHopper's own profiles. */
        final boolean turnRestrictions;

        Mode(final String customModel, final String encodedValues, final String ignoredHighways, final boolean turnRestrictions) {
            this.customModel = customModel;
            this.encodedValues = encodedValues;
            this.ignoredHighways = ignoredHighways;
            this.turnRestrictions = turnRestrictions;
        }

        public String profileName() {
            return name().toLowerCase(Locale.ROOT);
        }

        Profile profile(final boolean turnCosts) {
            final Profile profile = new Profile(profileName()).setCustomModel(GHUtility.loadCustomModelFromJar(customModel));
            if (turnCosts) {
                // GraphHopper's own car and bike turn settings: OSM restrictions for the vehicle types, U-turns cost 60 s.
                profile.setTurnCostsConfig((this == CAR ? TurnCostsConfig.car() : TurnCostsConfig.bike()).setUTurnCosts(60));
            }
            return profile;
        }
    }

    private final GraphHopper hopper;
    private final Profile profile;
    private final Weighting weighting;
    private final EdgeFilter snapFilter;
    private final double maxSnapMeters;
    private final boolean importedNow;
    private final long loadMillis;
    private final Path location;
    private final String roadDataKey;
    private final ThreadLocal<SearchSpace> searchSpaces = ThreadLocal.withInitial(SearchSpace::new);
    private final CutoffWeight cutoffWeight;
    private volatile ShortcutCosts shortcutCosts;

    private RoadGraph(final GraphHopper hopper, final Profile profile, final double maxSnapMeters, final boolean importedNow,
                      final long loadMillis, final Path location, final String roadDataKey) {
        this.hopper = hopper;
        this.profile = profile;
        this.weighting = hopper.createWeighting(profile, new PMap());
        this.snapFilter = new DefaultSnapFilter(weighting, hopper.getEncodingManager().getBooleanEncodedValue(Subnetwork.key(profile.getName())));
        this.maxSnapMeters = maxSnapMeters;
        this.importedNow = importedNow;
        this.loadMillis = loadMillis;
        this.location = location;
        this.roadDataKey = roadDataKey;
        this.cutoffWeight = CutoffWeight.of(profile.getCustomModel(), weighting);
    }

    /**
     * Loads the graph for {@code osmFile} and {@code mode} from {@code cacheRoot}, importing it first if no cached graph
     * matches the file (size, modification time and a hash of its first and last megabyte) and mode.
     */
    public static RoadGraph open(final Path osmFile, final Mode mode, final Path cacheRoot, final double maxSnapMeters,
                                 final boolean memoryMapped) throws IOException {
        return open(osmFile, mode, cacheRoot, maxSnapMeters, memoryMapped, mode.turnRestrictions);
    }

    /** As {@link #open(Path, Mode, Path, double, boolean)}, choosing whether turns count (off only to measure what they change). */
    static RoadGraph open(final Path osmFile, final Mode mode, final Path cacheRoot, final double maxSnapMeters,
                          final boolean memoryMapped, final boolean turnCosts) throws IOException {
        return open(osmFile, mode, cacheRoot, maxSnapMeters, memoryMapped, turnCosts, true);
    }

    /**
     * Opens the graph with or without the profile's contraction hierarchy: preparing it costs import time (edge-based CH
     * on a grid-like network of 40,000 junctions takes minutes), so a service that matrices with the Dijkstra skips it.
     */
    public static RoadGraph open(final Path osmFile, final Mode mode, final Path cacheRoot, final double maxSnapMeters,
                                 final boolean memoryMapped, final boolean turnCosts, final boolean contractionHierarchy) throws IOException {
        if (!Files.isRegularFile(osmFile)) {
            throw new IOException("OSM file not found: " + osmFile);
        }
        final byte[] roadData = roadData(osmFile, mode, turnCosts);
        final Path location = cacheRoot.resolve(cacheKey(osmFile, mode, turnCosts, roadData) + (contractionHierarchy ? "" : "-noch"));
        final boolean cached = Files.isRegularFile(location.resolve("properties"));
        Files.createDirectories(cacheRoot);
        final Profile profile = mode.profile(turnCosts);
        final GraphHopperConfig config = new GraphHopperConfig();
        config.putObject("datareader.file", osmFile.toString());
        config.putObject("graph.location", location.toString());
        config.putObject("graph.encoded_values", mode.encodedValues);
        config.putObject("import.osm.ignored_highways", mode.ignoredHighways);
        // RAM_STORE keeps the graph on the heap (fast, needs -Xmx); MMAP leaves it to the OS page cache.
        config.putObject("graph.dataaccess.default_type", memoryMapped ? "MMAP" : "RAM_STORE");
        config.setProfiles(List.of(profile));
        // The profile's contraction hierarchy, prepared by GraphHopper at import (edge-based when the profile has turn costs),
        // for the many-to-many matrix search; prepared on load if a cached graph lacks it.
        if (contractionHierarchy) {
            config.setCHProfiles(List.of(new CHProfile(profile.getName())));
        }
        final GraphHopper hopper = new GraphHopper();
        hopper.init(config);
        final long start = System.nanoTime();
        try {
            hopper.importOrLoad();
        } catch (final RuntimeException e) {
            hopper.close();
            throw new IOException("cannot import or load " + osmFile + " into " + location + ": " + e.getMessage(), e);
        }
        return new RoadGraph(hopper, profile, maxSnapMeters, !cached, (System.nanoTime() - start) / 1_000_000, location,
                HexFormat.of().formatHex(roadData, 0, 16));
    }

    /**
     * What this graph's answers depend on: the OSM file's size and content samples, the mode, turn costs, the stored
     * layout and GraphHopper's version; not the file's path or time, so identical copies on two nodes agree.
     */
    public String roadDataKey() {
        return roadDataKey;
    }

    /** A directory name that changes when the OSM file, the mode, the stored layout or the GraphHopper version changes. */
    static String cacheKey(final Path osmFile, final Mode mode) throws IOException {
        return cacheKey(osmFile, mode, mode.turnRestrictions);
    }

    private static String cacheKey(final Path osmFile, final Mode mode, final boolean turnCosts) throws IOException {
        return cacheKey(osmFile, mode, turnCosts, roadData(osmFile, mode, turnCosts));
    }

    private static String cacheKey(final Path osmFile, final Mode mode, final boolean turnCosts, final byte[] roadData) throws IOException {
        // Path and time too: a rewritten file of the same size and samples must not load a stale graph.
        final MessageDigest digest = sha256();
        digest.update((osmFile.toAbsolutePath().normalize() + "|" + Files.getLastModifiedTime(osmFile).toMillis()).getBytes(StandardCharsets.UTF_8));
        digest.update(roadData);
        final String name = osmFile.getFileName().toString().replaceAll("[^A-Za-z0-9.-]", "_");
        return name + "-" + mode.profileName() + (turnCosts == mode.turnRestrictions ? "" : turnCosts ? "-turns" : "-noturns") + "-" + HexFormat.of().formatHex(digest.digest(), 0, 8);
    }

    /** SHA-256 over the file's size, its first and last MB, the mode, turn costs, layout and GraphHopper's version. */
    private static byte[] roadData(final Path osmFile, final Mode mode, final boolean turnCosts) throws IOException {
        final MessageDigest digest = sha256();
        final long size = Files.size(osmFile);
        digest.update((size + "|" + mode + "|" + GRAPH_LAYOUT + "|" + turnCosts + "|" + com.graphhopper.util.Constants.VERSION).getBytes(StandardCharsets.UTF_8));
        try (InputStream in = Files.newInputStream(osmFile)) {
            digest.update(in.readNBytes(1 << 20));
            if (size > 2L << 20) {
                in.skipNBytes(size - (2L << 20));
                digest.update(in.readNBytes(1 << 20));
            }
        }
        return digest.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean importedNow() {
        return importedNow;
    }

    public long loadMillis() {
        return loadMillis;
    }

    public int nodeCount() {
        return hopper.getBaseGraph().getNodes();
    }

    public int edgeCount() {
        return hopper.getBaseGraph().getEdges();
    }

    public BBox bounds() {
        return hopper.getBaseGraph().getBounds();
    }

    public String profileName() {
        return profile.getName();
    }

    /** Whether searches honour turn restrictions and turn costs (edge-based), as GraphHopper's router does for this profile. */
    public boolean hasTurnCosts() {
        return weighting.hasTurnCosts();
    }

    /** Bytes of the stored graph in its cache directory. */
    public long bytesOnDisk() throws IOException {
        try (Stream<Path> files = Files.list(location)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (final IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    public GraphHopper hopper() {
        return hopper;
    }

    BaseGraph baseGraph() {
        return hopper.getBaseGraph();
    }

    /** The profile's contraction hierarchy: shortcuts and node levels over the base graph. */
    RoutingCHGraph chGraph() {
        final RoutingCHGraph ch = hopper.getCHGraphs().get(profile.getName());
        if (ch == null) {
            throw new IllegalStateException("the graph of " + profile.getName() + " was opened without its contraction hierarchy");
        }
        return ch;
    }

    /** Whether the graph was opened with its contraction hierarchy (needed for the CH matrix). */
    public boolean hasContractionHierarchy() {
        return hopper.getCHGraphs().containsKey(profile.getName());
    }

    /** Time, distance and turn weight per shortcut, computed on first use (see {@link ShortcutCosts} for its memory). */
    ShortcutCosts shortcutCosts() {
        ShortcutCosts costs = shortcutCosts;
        if (costs == null) {
            synchronized (this) {
                costs = shortcutCosts;
                if (costs == null) {
                    costs = new ShortcutCosts(chGraph(), baseGraph(), weighting);
                    shortcutCosts = costs;
                }
            }
        }
        return costs;
    }

    CutoffWeight cutoffWeight() {
        return cutoffWeight;
    }

    /** Shortcuts in the contraction hierarchy. */
    public int shortcutCount() {
        return chGraph().getShortcuts();
    }

    Weighting weighting() {
        return weighting;
    }

    /** This thread's search working memory, reused by every search the thread runs on this graph. */
    SearchSpace searchSpace() {
        return searchSpaces.get();
    }

    /** The snap of a point to the nearest road the profile may use (ignoring tiny subnetworks), or an invalid snap. */
    Snap snap(final double latitude, final double longitude) {
        return hopper.getLocationIndex().findClosest(latitude, longitude, snapFilter);
    }

    boolean withinSnapLimit(final Snap snap) {
        return snap.isValid() && snap.getQueryDistance() <= maxSnapMeters;
    }

    /** Travel times (s) and distances (m) from every source to every destination, without a cutoff. */
    public MatrixResult matrix(final CoordinateBlock sources, final CoordinateBlock destinations) {
        return matrix(sources, destinations, Cutoff.NONE);
    }

    /**
     * Travel times (s) and distances (m); pairs not reached within {@code cutoff} are marked beyond it. Uses the
     * contraction hierarchy if the graph was opened with it, else the Dijkstra.
     */
    public MatrixResult matrix(final CoordinateBlock sources, final CoordinateBlock destinations, final Cutoff cutoff) {
        return matrix(sources, destinations, cutoff, hasContractionHierarchy() ? MatrixAlgorithm.CONTRACTION_HIERARCHIES : MatrixAlgorithm.DIJKSTRA);
    }

    /** As {@link #matrix(CoordinateBlock, CoordinateBlock, Cutoff)} with a chosen algorithm; both give the same answers. */
    public MatrixResult matrix(final CoordinateBlock sources, final CoordinateBlock destinations, final Cutoff cutoff,
                               final MatrixAlgorithm algorithm) {
        return switch (algorithm) {
            case CONTRACTION_HIERARCHIES -> ChMatrixSearch.compute(this, sources, destinations, cutoff);
            case DIJKSTRA -> MatrixSearch.compute(this, sources, destinations, cutoff);
        };
    }

    /** The roads reachable from a point within {@code maxSeconds}, see {@link ReachabilitySearch}. */
    public ReachableNodes reachable(final double latitude, final double longitude, final double maxSeconds) {
        return ReachabilitySearch.compute(this, latitude, longitude, new Cutoff(maxSeconds, Double.POSITIVE_INFINITY));
    }

    /** The roads reachable from a point within {@code cutoff}. */
    public ReachableNodes reachable(final double latitude, final double longitude, final Cutoff cutoff) {
        return ReachabilitySearch.compute(this, latitude, longitude, cutoff);
    }

    @Override
    public void close() {
        hopper.close();
    }
}
