package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A NiFi 2.3.0 cluster on 127.0.0.1 (the recipe in shared/reference/nifi-cluster.md): one home per node under one
 * directory, each with the single-node home's lib/ (linked, not copied), its own copy of the NAR in extensions/, and
 * conf/ from the single-node templates plus the cluster settings, every port free. Node 1 runs NiFi's embedded ZooKeeper,
 * so the other nodes lose coordination while node 1 is down: tests kill the other nodes only.
 */
final class NiFiCluster implements AutoCloseable {

    /** A cluster answers some requests with 409/503 while it elects the flow or a node (re)connects. */
    private static final Duration REST_HICCUP_RETRY = Duration.ofMinutes(2);
    /**
     * Two NiFi JVMs booting at once on 2 shared cores spend much of their boot compiling: C1 only and the serial collector
     * keep each node to few threads. The flows the test runs are tiny, so the C2 compiler buys nothing here.
     */
    private static final List<String> NODE_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final List<Node> nodes;
    private final String maxHeap;

    /** One node: its home, the running process (replaced on restart) and the boot times it had. */
    static final class Node {
        private final String name;
        private final NiFiHome home;
        private NiFiProcess process;
        /** The node's REST API without repeats: for polling, where an error only means "not yet". */
        private NiFiRestClient probe;
        private final List<Duration> boots = new ArrayList<>();

        private Node(final String name, final NiFiHome home) {
            this.name = name;
            this.home = home;
        }

        String name() {
            return name;
        }

        NiFiProcess process() {
            return process;
        }

        int apiPort() {
            return home.httpPort();
        }

        /** The node's address as NiFi's cluster REST answers carry it. */
        String address() {
            return "127.0.0.1:" + home.httpPort();
        }

        /** Start to REST API answering, of every start of this node. */
        List<Duration> boots() {
            return boots;
        }
    }

    private NiFiCluster(final List<Node> nodes, final String maxHeap) {
        this.nodes = nodes;
        this.maxHeap = maxHeap;
    }

    /**
     * Lays out {@code count} node homes under {@code clusterDir} from the single-node home Maven prepared (lib/ and the
     * NAR in extensions/), with conf/ for a cluster with ZooKeeper embedded in node 1.
     */
    static NiFiCluster prepare(final Path clusterDir, final Path singleNodeHome, final int count, final String maxHeap) throws IOException {
        final int zooKeeperPort = NiFiHome.freePort();
        final String zooKeeper = "127.0.0.1:" + zooKeeperPort;
        final String sensitivePropsKey = UUID.randomUUID().toString(); // the same on every node, or they cannot share a flow
        final String stateManagement = NiFiHome.resource("/nifi-conf/cluster/state-management.xml").replace("${zookeeper.connect}", zooKeeper);
        final String zooKeeperProperties = NiFiHome.resource("/nifi-conf/cluster/zookeeper.properties")
                .replace("${zookeeper.port}", Integer.toString(zooKeeperPort));
        final List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            final Path dir = Files.createDirectories(clusterDir.resolve("node" + i));
            layOut(dir, singleNodeHome);
            final Map<String, String> properties = new LinkedHashMap<>();
            properties.put("nifi.sensitive.props.key", sensitivePropsKey);
            properties.put("nifi.state.management.provider.cluster", "zk-provider");
            properties.put("nifi.state.management.embedded.zookeeper.start", Boolean.toString(i == 1));
            properties.put("nifi.state.management.embedded.zookeeper.properties", "./conf/zookeeper.properties");
            properties.put("nifi.cluster.is.node", "true");
            properties.put("nifi.cluster.protocol.is.secure", "false");
            properties.put("nifi.cluster.protocol.heartbeat.interval", "5 sec");
            properties.put("nifi.cluster.protocol.heartbeat.missable.max", "8");
            properties.put("nifi.cluster.leader.election.implementation", "CuratorLeaderElectionManager");
            properties.put("nifi.cluster.node.address", "127.0.0.1");
            properties.put("nifi.cluster.node.protocol.port", Integer.toString(NiFiHome.freePort()));
            properties.put("nifi.cluster.node.protocol.max.threads", "10");
            properties.put("nifi.cluster.node.event.history.size", "25");
            // Generous: two JVMs share 2 busy cores, and a replicated request waits for the slowest node.
            properties.put("nifi.cluster.node.connection.timeout", "30 sec");
            properties.put("nifi.cluster.node.read.timeout", "30 sec");
            properties.put("nifi.cluster.node.max.concurrent.requests", "100");
            properties.put("nifi.cluster.firewall.file", "");
            properties.put("nifi.cluster.flow.election.max.wait.time", "10 secs");
            properties.put("nifi.cluster.flow.election.max.candidates", Integer.toString(count));
            properties.put("nifi.cluster.load.balance.connections.per.node", "1");
            properties.put("nifi.cluster.load.balance.max.thread.count", "4");
            properties.put("nifi.cluster.load.balance.comms.timeout", "30 sec");
            properties.put("nifi.zookeeper.connect.string", zooKeeper);
            properties.put("nifi.zookeeper.connect.timeout", "30 secs");
            properties.put("nifi.zookeeper.session.timeout", "15 secs");
            properties.put("nifi.zookeeper.root.node", "/nifi");
            properties.put("nifi.zookeeper.client.secure", "false");
            properties.put("nifi.zookeeper.auth.type", "");
            final Map<String, String> confFiles = new LinkedHashMap<>();
            confFiles.put("state-management.xml", stateManagement);
            if (i == 1) {
                confFiles.put("zookeeper.properties", zooKeeperProperties);
            }
            nodes.add(new Node("node" + i, NiFiHome.prepare(dir, properties, confFiles)));
        }
        return new NiFiCluster(nodes, maxHeap);
    }

    /** lib/ linked to the single-node home's (the same jars and NARs), the NAR copied: every node needs its own. */
    private static void layOut(final Path dir, final Path singleNodeHome) throws IOException {
        final Path lib = dir.resolve("lib");
        if (!Files.exists(lib)) {
            Files.createSymbolicLink(lib, singleNodeHome.resolve("lib").toAbsolutePath());
        }
        final Path extensions = dir.resolve("extensions");
        NiFiHome.deleteRecursively(extensions);
        Files.createDirectories(extensions);
        try (Stream<Path> nars = Files.list(singleNodeHome.resolve("extensions"))) {
            for (final Path nar : nars.filter(file -> file.getFileName().toString().endsWith(".nar")).toList()) {
                Files.copy(nar, extensions.resolve(nar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** Starts every node at once, waits for each REST API, then until every node reports all nodes CONNECTED. */
    void start(final Duration timeout) throws IOException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (final Node node : nodes) {
            launch(node);
        }
        for (final Node node : nodes) {
            awaitBoot(node, Duration.ofNanos(deadline - System.nanoTime()));
        }
        awaitAllConnected(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    List<Node> nodes() {
        return nodes;
    }

    Node node(final int number) {
        return nodes.get(number - 1);
    }

    /** The node by the API port NiFi's per-node answers carry. */
    Node byApiPort(final int apiPort) {
        return nodes.stream().filter(node -> node.apiPort() == apiPort).findFirst()
                .orElseThrow(() -> new AssertionError("no node of this cluster has API port " + apiPort));
    }

    /** Node 1's REST API; NiFi replicates every request to all nodes. */
    NiFiRestClient rest() {
        return nodes.get(0).process.rest();
    }

    /** SIGKILL to one node (not node 1, whose embedded ZooKeeper the cluster needs). */
    void kill(final Node node) {
        if (node == nodes.get(0)) {
            throw new IllegalArgumentException("node 1 runs the embedded ZooKeeper; kill another node");
        }
        node.process.kill();
        System.out.printf("Killed %s (pid %d) with SIGKILL%n", node.name, node.process.pid());
    }

    /** Starts a stopped or killed node again in its home (flow, repositories and state kept) and waits until it rejoined. */
    void restart(final Node node, final Duration timeout) throws IOException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        launch(node);
        awaitBoot(node, timeout);
        awaitAllConnected(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    private void launch(final Node node) throws IOException {
        node.process = NiFiProcess.launch(node.home, maxHeap, NODE_JVM_OPTIONS);
        node.process.rest().retryingClusterHiccups(REST_HICCUP_RETRY);
        node.probe = new NiFiRestClient(node.process.rest().api(), Duration.ofSeconds(20));
    }

    private static void awaitBoot(final Node node, final Duration timeout) {
        node.process.awaitRestApi(timeout);
        node.boots.add(node.process.bootTime());
        System.out.printf("%s: REST API answering after %.1f s%n", node.name, node.process.bootTime().toMillis() / 1000.0);
    }

    /**
     * Waits until every node answers {@code /flow/cluster/summary} with all nodes connected. Errors are expected while
     * nodes join (no coordinator yet, flow election running), so they only count as "not yet".
     */
    void awaitAllConnected(final Duration timeout) {
        final long begin = System.nanoTime();
        FlowRunner.await("all " + nodes.size() + " nodes CONNECTED", timeout, () -> {
            for (final Node node : nodes) {
                if (!node.process.isAlive()) {
                    throw new AssertionError(node.name + " exited while joining the cluster\n" + node.process.logTail(60));
                }
                if (connectedNodes(node) != nodes.size()) {
                    return null;
                }
            }
            return Boolean.TRUE;
        }, this::describe);
        System.out.printf("All %d nodes CONNECTED (%.1f s of waiting)%n", nodes.size(), (System.nanoTime() - begin) / 1e9);
    }

    private int connectedNodes(final Node node) {
        try {
            final JsonNode summary = node.probe.get("/flow/cluster/summary").path("clusterSummary");
            return summary.path("connectedToCluster").asBoolean() && summary.path("totalNodeCount").asInt() == nodes.size()
                    ? summary.path("connectedNodeCount").asInt() : -1;
        } catch (final RuntimeException | AssertionError notYet) {
            return -1;
        }
    }

    /** The cluster's node list with statuses and roles, as node 1 sees it. */
    JsonNode clusterNodes() {
        return rest().get("/controller/cluster").path("cluster").path("nodes");
    }

    /** Each node's view of the cluster, and the tail of each node's log: what a failed wait needs. */
    String describe() {
        final StringBuilder text = new StringBuilder();
        for (final Node node : nodes) {
            text.append(node.name).append(" (").append(node.address()).append(", pid ").append(node.process.pid())
                    .append(node.process.isAlive() ? "" : ", exited").append("): ");
            try {
                text.append(node.probe.get("/flow/cluster/summary").path("clusterSummary"));
            } catch (final RuntimeException | AssertionError e) {
                text.append("no cluster summary: ").append(e.getMessage().lines().findFirst().orElse(""));
            }
            text.append('\n').append(node.process.logTail(25));
        }
        return text.toString();
    }

    /** SIGTERM to every node at once (one after the other makes the last wait for the gone ones), then waits for each. */
    @Override
    public void close() {
        final long begin = System.nanoTime();
        for (final Node node : nodes) {
            if (node.process != null) {
                node.process.requestStop();
            }
        }
        for (final Node node : nodes) {
            if (node.process != null) {
                node.process.stop();
            }
        }
        System.out.printf("Stopped the cluster in %.1f s%n", (System.nanoTime() - begin) / 1e9);
    }
}
