package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Apache NiFi 2.3.0 started the way its bootstrap would start it: {@code org.apache.nifi.NiFi} with lib/*.jar and conf/
 * on the class path, the home as working directory, HTTP on 127.0.0.1. Stopping destroys the whole process tree, also
 * from a shutdown hook if the test JVM goes away first.
 */
final class NiFiProcess implements AutoCloseable {

    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(20);

    private final NiFiHome home;
    private final Process process;
    private final long startedNanos;
    private final Thread shutdownHook;
    private final NiFiRestClient rest;
    private Duration bootTime;

    private NiFiProcess(final NiFiHome home, final Process process) {
        this.home = home;
        this.process = process;
        this.startedNanos = System.nanoTime();
        this.shutdownHook = new Thread(this::destroyTree, "stop-nifi-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.rest = new NiFiRestClient(URI.create("http://127.0.0.1:" + home.httpPort() + "/nifi-api"), Duration.ofSeconds(60));
    }

    /** Starts NiFi in the prepared home and waits until its REST API answers. */
    static NiFiProcess start(final NiFiHome home, final String maxHeap, final Duration bootTimeout) throws IOException {
        final NiFiProcess nifi = launch(home, maxHeap);
        try {
            nifi.awaitRestApi(bootTimeout);
        } catch (final RuntimeException | Error e) {
            nifi.close();
            throw e;
        }
        return nifi;
    }

    /**
     * Starts NiFi in the prepared home without waiting (cluster nodes boot at the same time); {@link #awaitRestApi} waits.
     * Starting again in the same home after {@link #kill} or {@link #stop} keeps its flow, repositories and state.
     */
    static NiFiProcess launch(final NiFiHome home, final String maxHeap) throws IOException {
        return launch(home, maxHeap, List.of());
    }

    /** As {@link #launch(NiFiHome, String)} with extra JVM options (before the main class). */
    static NiFiProcess launch(final NiFiHome home, final String maxHeap, final List<String> jvmOptions) throws IOException {
        stopLeftoverFromAbortedRun(home);
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final List<String> command = new ArrayList<>(List.of(java.toString(),
                "-Xms128m", "-Xmx" + maxHeap,
                "-Djava.awt.headless=true",
                "-Dnifi.properties.file.path=./conf/nifi.properties",
                "-Dorg.apache.nifi.bootstrap.config.log.dir=./logs",
                "-Dorg.apache.nifi.management.server.address=127.0.0.1:" + home.managementPort(),
                "-Djava.protocol.handler.pkgs=sun.net.www.protocol",
                // Native libraries in NARs (snappy, zstd) would otherwise print restricted-method warnings on JDK 24+.
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("--class-path", home.classPath(), "org.apache.nifi.NiFi"));
        final Process process = new ProcessBuilder(command).directory(home.dir().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(home.stdoutLog().toFile())).start();
        Files.writeString(home.pidFile(), Long.toString(process.pid()));
        System.out.printf("Started NiFi 2.3.0, pid %d, %s, home %s%n", process.pid(), java, home.dir());
        return new NiFiProcess(home, process);
    }

    NiFiRestClient rest() {
        return rest;
    }

    long pid() {
        return process.pid();
    }

    Duration bootTime() {
        return bootTime;
    }

    /** Resident set size of the NiFi JVM, from /proc (Linux); empty elsewhere. */
    Optional<Long> residentSetBytes() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Optional.of(Long.parseLong(line.replaceAll("\\D+", "")) * 1024);
                }
            }
        } catch (final IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    String residentSetDescription() {
        return residentSetBytes().map(bytes -> String.format("%.0f MB", bytes / 1048576.0)).orElse("n/a");
    }

    /** The last lines of NiFi's application log, and of its console output if it wrote any. */
    String logTail(final int lines) {
        final StringBuilder tail = new StringBuilder();
        for (final Path log : List.of(home.appLog(), home.stdoutLog())) {
            try {
                if (Files.isRegularFile(log) && Files.size(log) > 0) {
                    final List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                    tail.append("---- last ").append(Math.min(lines, all.size())).append(" lines of ").append(log).append(" ----\n");
                    all.subList(Math.max(0, all.size() - lines), all.size()).forEach(line -> tail.append(line).append('\n'));
                }
            } catch (final IOException e) {
                tail.append("(cannot read ").append(log).append(": ").append(e).append(")\n");
            }
        }
        return tail.toString();
    }

    NiFiHome home() {
        return home;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the REST API answers (before a cluster node has joined, too); sets {@link #bootTime}. */
    void awaitRestApi(final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("NiFi exited with code " + process.exitValue() + " before its REST API answered\n" + logTail(80));
            }
            try {
                if (rest.status("/flow/about") == 200) {
                    bootTime = Duration.ofNanos(System.nanoTime() - startedNanos);
                    return;
                }
            } catch (final NiFiRestClient.NiFiUnreachableException notYet) {
                // Jetty not listening yet
            }
            sleep(500);
        }
        throw new AssertionError("NiFi's REST API did not answer on " + rest.api() + " within " + timeout + "\n" + logTail(80));
    }

    /** Stops NiFi: SIGTERM to the process tree, then SIGKILL after a grace period. Returns how long it took. */
    Duration stop() {
        final long begin = System.nanoTime();
        destroyTree();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (final IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        try {
            Files.deleteIfExists(home.pidFile());
        } catch (final IOException ignored) {
            // only a marker for the next run
        }
        return Duration.ofNanos(System.nanoTime() - begin);
    }

    /** SIGKILL, no shutdown of any kind: what a crashed machine or the kernel's OOM killer does to NiFi. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("NiFi pid " + process.pid() + " still alive 30 s after SIGKILL");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        detach();
    }

    /**
     * Lets NiFi outlive this JVM (the try-it launcher): no shutdown hook stops it any more; its pid stays in
     * {@code run/nifi.pid} for whoever stops it later.
     */
    void detach() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (final IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    /** Sends SIGTERM without waiting, so cluster nodes can stop at the same time; {@link #stop} then waits. */
    void requestStop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
    }

    URI webUi() {
        return URI.create("http://127.0.0.1:" + home.httpPort() + "/nifi/");
    }

    @Override
    public void close() {
        final Duration took = stop();
        System.out.printf("Stopped NiFi (pid %d) in %.1f s%n", process.pid(), took.toMillis() / 1000.0);
    }

    private void destroyTree() {
        if (!process.isAlive()) {
            return;
        }
        final List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                System.out.println("NiFi did not stop within " + GRACEFUL_STOP + ": killing it");
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * A test JVM killed hard (SIGKILL) cannot stop its NiFi; the next run stops it, but only if the recorded pid is still
     * a NiFi started from this very home.
     */
    private static void stopLeftoverFromAbortedRun(final NiFiHome home) throws IOException {
        if (!Files.isRegularFile(home.pidFile())) {
            return;
        }
        final long pid = Long.parseLong(Files.readString(home.pidFile()).trim());
        ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(leftover -> {
            final String commandLine = leftover.info().commandLine().orElse("");
            if (commandLine.contains("org.apache.nifi.NiFi") && isStartedFrom(leftover, home.dir())) {
                System.out.println("Stopping NiFi pid " + pid + " left running by an aborted earlier run in " + home.dir());
                leftover.destroyForcibly();
            }
        });
        Files.deleteIfExists(home.pidFile());
    }

    private static boolean isStartedFrom(final ProcessHandle process, final Path home) {
        try {
            return Path.of("/proc", Long.toString(process.pid()), "cwd").toRealPath().equals(home.toRealPath());
        } catch (final IOException e) {
            return false;
        }
    }

    static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
