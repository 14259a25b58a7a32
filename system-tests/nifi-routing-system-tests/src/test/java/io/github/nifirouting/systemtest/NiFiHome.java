package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A NiFi 2.3.0 home directory: lib/ and extensions/ laid out by Maven (see this module's pom), conf/ written here from
 * the templates in src/test/resources/nifi-conf with free ports, and everything a previous run left behind removed
 * (except the unpacked NARs in work/nar, which NiFi re-unpacks itself when a NAR's hash changes).
 */
final class NiFiHome {

    /** What a previous run leaves in the home; removed so every run starts from an empty flow. */
    private static final List<String> RUNTIME_STATE = List.of("conf", "logs", "run", "state", "flowfile_repository",
            "content_repository", "provenance_repository", "database_repository", "nar_repository", "status_repository", "assets",
            "work/jetty", "work/uploads", "work/docs", "work/python");
    private static final String CONF_TEMPLATES = "/nifi-conf/";

    private final Path dir;
    private final int httpPort;
    private final int managementPort;
    private final int loadBalancePort;

    private NiFiHome(final Path dir, final int httpPort, final int managementPort, final int loadBalancePort) {
        this.dir = dir;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.loadBalancePort = loadBalancePort;
    }

    static NiFiHome prepare(final Path dir) throws IOException {
        return prepare(dir, Map.of(), Map.of());
    }

    /**
     * Prepares the home with conf/ from the templates, then the given nifi.properties values set over them (a cluster node's
     * settings) and extra files written into conf/ (e.g. a cluster node's state-management.xml, zookeeper.properties).
     */
    static NiFiHome prepare(final Path dir, final Map<String, String> propertyOverrides, final Map<String, String> confFiles)
            throws IOException {
        final Path lib = dir.resolve("lib");
        assertTrue(Files.isDirectory(lib) && Files.isRegularFile(lib.resolve("nifi-runtime-2.3.0.jar")),
                "NiFi's lib/ is not laid out in " + dir + ": run the system test through Maven "
                        + "(./mvnw verify), whose pre-integration-test phase copies the NiFi 2.3.0 runtime there");
        try (Stream<Path> extensions = Files.list(dir.resolve("extensions"))) {
            assertTrue(extensions.anyMatch(file -> file.getFileName().toString().endsWith(".nar")), "no NAR in " + dir.resolve("extensions"));
        }
        for (final String stale : RUNTIME_STATE) {
            deleteRecursively(dir.resolve(stale));
        }
        final int httpPort = freePort();
        final int managementPort = freePort();
        final int loadBalancePort = freePort();
        final Map<String, String> tokens = Map.of("${http.port}", Integer.toString(httpPort),
                "${load.balance.port}", Integer.toString(loadBalancePort),
                "${sensitive.props.key}", UUID.randomUUID().toString());
        final Path conf = Files.createDirectories(dir.resolve("conf"));
        for (final String file : List.of("nifi.properties", "logback.xml", "state-management.xml")) {
            String content = resource(CONF_TEMPLATES + file);
            for (final Map.Entry<String, String> token : tokens.entrySet()) {
                content = content.replace(token.getKey(), token.getValue());
            }
            if (file.equals("nifi.properties")) {
                content = withProperties(content, propertyOverrides);
            }
            assertFalse(file.equals("nifi.properties") && content.contains("${"), "unfilled token in " + file);
            Files.writeString(conf.resolve(file), content);
        }
        for (final Map.Entry<String, String> file : confFiles.entrySet()) {
            Files.writeString(conf.resolve(file.getKey()), file.getValue());
        }
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("run"));
        return new NiFiHome(dir, httpPort, managementPort, loadBalancePort);
    }

    /** Sets keys of a properties file in place (keeping the template's order and comments); keys it lacks are appended. */
    private static String withProperties(final String properties, final Map<String, String> values) {
        final Map<String, String> remaining = new LinkedHashMap<>(values);
        final StringBuilder out = new StringBuilder();
        for (final String line : properties.split("\n", -1)) {
            final int equals = line.indexOf('=');
            final String key = line.startsWith("#") || equals < 0 ? null : line.substring(0, equals).trim();
            if (key != null && remaining.containsKey(key)) {
                out.append(key).append('=').append(remaining.remove(key)).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        remaining.forEach((key, value) -> out.append(key).append('=').append(value).append('\n'));
        return out.toString();
    }

    Path dir() {
        return dir;
    }

    int httpPort() {
        return httpPort;
    }

    int managementPort() {
        return managementPort;
    }

    int loadBalancePort() {
        return loadBalancePort;
    }

    Path appLog() {
        return dir.resolve("logs").resolve("nifi-app.log");
    }

    Path stdoutLog() {
        return dir.resolve("logs").resolve("nifi-stdout.log");
    }

    Path pidFile() {
        return dir.resolve("run").resolve("nifi.pid");
    }

    /** lib/*.jar then conf/, as NiFi's own start script builds it (relative: NiFi runs with the home as working directory). */
    String classPath() throws IOException {
        final List<String> entries = new ArrayList<>();
        try (Stream<Path> jars = Files.list(dir.resolve("lib"))) {
            jars.filter(jar -> jar.getFileName().toString().endsWith(".jar")).sorted()
                    .forEach(jar -> entries.add("lib/" + jar.getFileName()));
        }
        entries.add("conf");
        return String.join(java.io.File.pathSeparator, entries);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static String resource(final String name) throws IOException {
        try (InputStream in = NiFiHome.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void deleteRecursively(final Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(file -> {
                try {
                    Files.delete(file);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
