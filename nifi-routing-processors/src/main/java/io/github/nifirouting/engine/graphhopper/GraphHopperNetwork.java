package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.GraphHopper;
import com.graphhopper.GraphHopperConfig;
import com.graphhopper.config.Profile;
import com.graphhopper.routing.ev.Subnetwork;
import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.routing.util.DefaultSnapFilter;
import com.graphhopper.routing.util.EdgeFilter;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.storage.BaseGraph;
import com.graphhopper.storage.NodeAccess;
import com.graphhopper.storage.index.Snap;
import com.graphhopper.util.EdgeExplorer;
import com.graphhopper.util.EdgeIterator;
import com.graphhopper.util.GHUtility;
import com.graphhopper.util.PMap;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A road network loaded in process with GraphHopper, answering matrices and reachability with one-to-many Dijkstra
 * searches: one search per origin, stopped as soon as every destination of the request is settled, so the cost
 * grows with origins x explored network, never with origin x destination point-to-point queries.
 * <p>
 * Points are snapped to the nearest edge usable by the profile (GraphHopper's location index, ignoring tiny
 * disconnected subnetworks) and inserted as virtual nodes in a per-request {@link QueryGraph}, so two points on the
 * same edge get the right travel time. Thread safe: the graph is read-only once loaded; every call has its own
 * query graph, explorer and search arrays.
 */
public final class GraphHopperNetwork implements AutoCloseable {

    /** The travel modes the embedded engine supports, with the encoded values their GraphHopper custom models need. */
    public enum Mode {
        CAR("car.json", "car_access|block_private=false, car_average_speed, road_access", "footway,cycleway,path,pedestrian,steps"),
        BIKE("bike.json", "bike_priority, bike_access, roundabout, bike_average_speed, bike_road_access, foot_road_access, average_slope, "
                + "mtb_rating, hike_rating, country, road_class", "motorway"),
        FOOT("foot.json", "foot_access, foot_priority, foot_average_speed, foot_road_access, hike_rating, mtb_rating, average_slope, "
                + "country, road_class", "motorway");

        final String customModel;
        final String encodedValues;
        /** Highways the mode never uses, left out at import to keep the graph small. */
        final String ignoredHighways;

        Mode(final String customModel, final String encodedValues, final String ignoredHighways) {
            this.customModel = customModel;
            this.encodedValues = encodedValues;
            this.ignoredHighways = ignoredHighways;
        }

        public String profileName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final GraphHopper hopper;
    private final Profile profile;
    private final Weighting weighting;
    private final EdgeFilter snapFilter;
    private final double maxSnapMeters;
    private final boolean importedNow;
    private final long loadMillis;

    private GraphHopperNetwork(final GraphHopper hopper, final Profile profile, final double maxSnapMeters, final boolean importedNow,
                               final long loadMillis) {
        this.hopper = hopper;
        this.profile = profile;
        this.weighting = hopper.createWeighting(profile, new PMap());
        this.snapFilter = new DefaultSnapFilter(weighting, hopper.getEncodingManager().getBooleanEncodedValue(Subnetwork.key(profile.getName())));
        this.maxSnapMeters = maxSnapMeters;
        this.importedNow = importedNow;
        this.loadMillis = loadMillis;
    }

    /**
     * Loads the graph for {@code osmFile} and {@code mode} from {@code cacheRoot}, importing it first if no cached graph
     * matches the file (size, modification time and a hash of its first and last megabyte) and mode.
     */
    public static GraphHopperNetwork open(final Path osmFile, final Mode mode, final Path cacheRoot, final double maxSnapMeters,
                                          final boolean memoryMapped) throws IOException {
        if (!Files.isRegularFile(osmFile)) {
            throw new IOException("OSM file not found: " + osmFile);
        }
        final Path location = cacheRoot.resolve(cacheKey(osmFile, mode));
        final boolean cached = Files.isRegularFile(location.resolve("properties"));
        Files.createDirectories(cacheRoot);
        final Profile profile = new Profile(mode.profileName()).setCustomModel(GHUtility.loadCustomModelFromJar(mode.customModel));
        final GraphHopperConfig config = new GraphHopperConfig();
        config.putObject("datareader.file", osmFile.toString());
        config.putObject("graph.location", location.toString());
        config.putObject("graph.encoded_values", mode.encodedValues);
        config.putObject("import.osm.ignored_highways", mode.ignoredHighways);
        // RAM_STORE keeps the graph on the heap (fast, needs -Xmx); MMAP leaves it to the OS page cache.
        config.putObject("graph.dataaccess.default_type", memoryMapped ? "MMAP" : "RAM_STORE");
        config.setProfiles(List.of(profile));
        final GraphHopper hopper = new GraphHopper();
        hopper.init(config);
        final long start = System.nanoTime();
        try {
            hopper.importOrLoad();
        } catch (final RuntimeException e) {
            hopper.close();
            throw new IOException("cannot import or load " + osmFile + " into " + location + ": " + e.getMessage(), e);
        }
        return new GraphHopperNetwork(hopper, profile, maxSnapMeters, !cached, (System.nanoTime() - start) / 1_000_000);
    }

    /** A directory name that changes when the OSM file, the mode or the GraphHopper version changes. */
    static String cacheKey(final Path osmFile, final Mode mode) throws IOException {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            final long size = Files.size(osmFile);
            digest.update((osmFile.toAbsolutePath().normalize() + "|" + size + "|" + Files.getLastModifiedTime(osmFile).toMillis() + "|"
                    + mode + "|" + com.graphhopper.util.Constants.VERSION).getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(osmFile)) {
                digest.update(in.readNBytes(1 << 20));
                if (size > 2L << 20) {
                    in.skipNBytes(size - (2L << 20));
                    digest.update(in.readNBytes(1 << 20));
                }
            }
            final String name = osmFile.getFileName().toString().replaceAll("[^A-Za-z0-9.-]", "_");
            return name + "-" + mode.profileName() + "-" + HexFormat.of().formatHex(digest.digest(), 0, 8);
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

    public GraphHopper hopper() {
        return hopper;
    }

    /** Travel times (s) and distances (m) from every source to every destination; NaN where there is no route. */
    public MatrixResult matrix(final CoordinateBlock sources, final CoordinateBlock destinations) {
        final int rows = sources.size();
        final int columns = destinations.size();
        final BaseGraph graph = hopper.getBaseGraph();
        final Snap[] sourceSnaps = new Snap[rows];
        final Snap[] destinationSnaps = new Snap[columns];
        final double[] sourceSnapMeters = new double[rows];
        final double[] destinationSnapMeters = new double[columns];
        final List<Snap> valid = new ArrayList<>(rows + columns);
        snapAll(sources, sourceSnaps, sourceSnapMeters, valid);
        snapAll(destinations, destinationSnaps, destinationSnapMeters, valid);
        final QueryGraph queryGraph = QueryGraph.create(graph, valid);
        final Weighting queryWeighting = queryGraph.wrapWeighting(weighting);
        final int[] destinationNodes = new int[columns];
        for (int c = 0; c < columns; c++) {
            destinationNodes[c] = destinationSnaps[c] == null ? -1 : destinationSnaps[c].getClosestNode();
        }
        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final Search search = new Search(queryGraph, queryWeighting);
        for (int r = 0; r < rows; r++) {
            if (sourceSnaps[r] == null) {
                continue;
            }
            search.run(sourceSnaps[r].getClosestNode(), destinationNodes, Double.POSITIVE_INFINITY);
            for (int c = 0; c < columns; c++) {
                if (destinationNodes[c] >= 0 && search.settled(destinationNodes[c])) {
                    durations[r * columns + c] = search.seconds(destinationNodes[c]);
                    distances[r * columns + c] = search.meters(destinationNodes[c]);
                }
            }
        }
        return new MatrixResult(rows, columns, durations, distances, sourceSnapMeters, destinationSnapMeters);
    }

    /** Network nodes reachable from a point within {@code maxSeconds}, with their travel times; empty if the point is off the network. */
    public ReachableNodes reachable(final double latitude, final double longitude, final double maxSeconds) {
        final Snap snap = hopper.getLocationIndex().findClosest(latitude, longitude, snapFilter);
        if (!snap.isValid() || snap.getQueryDistance() > maxSnapMeters) {
            return new ReachableNodes(new double[0], new double[0], new double[0], 0);
        }
        final QueryGraph queryGraph = QueryGraph.create(hopper.getBaseGraph(), snap);
        final Search search = new Search(queryGraph, queryGraph.wrapWeighting(weighting));
        search.run(snap.getClosestNode(), new int[0], maxSeconds);
        final NodeAccess nodes = queryGraph.getNodeAccess();
        final int count = search.settledCount();
        final double[] lat = new double[count];
        final double[] lon = new double[count];
        final double[] seconds = new double[count];
        for (int i = 0; i < count; i++) {
            final int node = search.settledNode(i);
            lat[i] = nodes.getLat(node);
            lon[i] = nodes.getLon(node);
            seconds[i] = search.seconds(node);
        }
        return new ReachableNodes(lat, lon, seconds, count);
    }

    private void snapAll(final CoordinateBlock points, final Snap[] snaps, final double[] snapMeters, final List<Snap> valid) {
        for (int i = 0; i < points.size(); i++) {
            final Snap snap = hopper.getLocationIndex().findClosest(points.latitude(i), points.longitude(i), snapFilter);
            if (!snap.isValid()) {
                snapMeters[i] = Double.NaN;
                continue;
            }
            snapMeters[i] = snap.getQueryDistance();
            if (snap.getQueryDistance() <= maxSnapMeters) {
                snaps[i] = snap;
                valid.add(snap);
            }
        }
    }

    @Override
    public void close() {
        hopper.close();
    }

    /**
     * A node-based Dijkstra over a query graph minimising the profile's weight, tracking time and distance along the
     * chosen paths. Arrays are sized to the graph and reset only where a search touched them.
     */
    private static final class Search {
        private final QueryGraph graph;
        private final Weighting weighting;
        private final EdgeExplorer explorer;
        private final double[] weight;
        private final double[] millis;
        private final double[] meters;
        private final boolean[] done;
        private int[] touched = new int[1024];
        private int touchedCount;
        private int[] settledOrder = new int[1024];
        private int settledCount;
        private final MinHeap heap;

        Search(final QueryGraph graph, final Weighting weighting) {
            this.graph = graph;
            this.weighting = weighting;
            this.explorer = graph.createEdgeExplorer(EdgeFilter.ALL_EDGES);
            final int nodes = graph.getNodes();
            weight = new double[nodes];
            millis = new double[nodes];
            meters = new double[nodes];
            done = new boolean[nodes];
            Arrays.fill(weight, Double.POSITIVE_INFINITY);
            heap = new MinHeap(1024);
        }

        /** Settles nodes from {@code origin} until all {@code targets} are settled (if any) or travel time passes {@code maxSeconds}. */
        void run(final int origin, final int[] targets, final double maxSeconds) {
            reset();
            int remaining = 0;
            final java.util.BitSet targetSet = new java.util.BitSet();
            for (final int target : targets) {
                if (target >= 0 && !targetSet.get(target)) {
                    targetSet.set(target);
                    remaining++;
                }
            }
            final boolean stopAtTargets = targets.length > 0;
            touch(origin);
            weight[origin] = 0;
            millis[origin] = 0;
            meters[origin] = 0;
            heap.push(origin, 0);
            final double maxMillis = maxSeconds * 1000;
            while (!heap.isEmpty()) {
                final int node = heap.pop();
                if (done[node]) {
                    continue;
                }
                if (millis[node] > maxMillis) {
                    break;
                }
                done[node] = true;
                addSettled(node);
                if (stopAtTargets && targetSet.get(node) && --remaining == 0) {
                    break;
                }
                final EdgeIterator edge = explorer.setBaseNode(node);
                while (edge.next()) {
                    final int next = edge.getAdjNode();
                    if (done[next]) {
                        continue;
                    }
                    final double edgeWeight = weighting.calcEdgeWeight(edge, false);
                    if (Double.isInfinite(edgeWeight)) {
                        continue;
                    }
                    final double candidate = weight[node] + edgeWeight;
                    if (candidate < weight[next]) {
                        if (weight[next] == Double.POSITIVE_INFINITY) {
                            touch(next);
                        }
                        weight[next] = candidate;
                        millis[next] = millis[node] + weighting.calcEdgeMillis(edge, false);
                        meters[next] = meters[node] + edge.getDistance();
                        heap.push(next, candidate);
                    }
                }
            }
            heap.clear();
        }

        boolean settled(final int node) {
            return done[node];
        }

        double seconds(final int node) {
            return millis[node] / 1000.0;
        }

        double meters(final int node) {
            return meters[node];
        }

        int settledCount() {
            return settledCount;
        }

        int settledNode(final int index) {
            return settledOrder[index];
        }

        private void touch(final int node) {
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touched.length * 2);
            }
            touched[touchedCount++] = node;
        }

        private void addSettled(final int node) {
            if (settledCount == settledOrder.length) {
                settledOrder = Arrays.copyOf(settledOrder, settledOrder.length * 2);
            }
            settledOrder[settledCount++] = node;
        }

        private void reset() {
            for (int i = 0; i < touchedCount; i++) {
                final int node = touched[i];
                weight[node] = Double.POSITIVE_INFINITY;
                done[node] = false;
            }
            touchedCount = 0;
            settledCount = 0;
        }
    }

    /** A binary min-heap of (node, key) pairs in primitive arrays; stale entries are skipped by the caller. */
    private static final class MinHeap {
        private int[] nodes;
        private double[] keys;
        private int size;

        MinHeap(final int capacity) {
            nodes = new int[capacity];
            keys = new double[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void clear() {
            size = 0;
        }

        void push(final int node, final double key) {
            if (size == nodes.length) {
                nodes = Arrays.copyOf(nodes, size * 2);
                keys = Arrays.copyOf(keys, size * 2);
            }
            int i = size++;
            while (i > 0) {
                final int parent = (i - 1) >>> 1;
                if (keys[parent] <= key) {
                    break;
                }
                nodes[i] = nodes[parent];
                keys[i] = keys[parent];
                i = parent;
            }
            nodes[i] = node;
            keys[i] = key;
        }

        int pop() {
            final int top = nodes[0];
            final int lastNode = nodes[--size];
            final double lastKey = keys[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && keys[child + 1] < keys[child]) {
                    child++;
                }
                if (keys[child] >= lastKey) {
                    break;
                }
                nodes[i] = nodes[child];
                keys[i] = keys[child];
                i = child;
            }
            nodes[i] = lastNode;
            keys[i] = lastKey;
            return top;
        }
    }
}
