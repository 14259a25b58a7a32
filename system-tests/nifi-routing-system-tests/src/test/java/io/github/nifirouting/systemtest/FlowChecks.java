package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** The inputs a flow runs with and what its outputs must look like, independent of where the flow definition comes from. */
interface FlowChecks {

    /** Writes the inputs under {@code workDir} and returns the values to set on the flow's parameter context. */
    Map<String, String> prepare(Path workDir) throws IOException;

    /** Checks the outputs after the flow went quiet and was stopped. */
    void verify(Path workDir, FlowRunner.RunResult result) throws Exception;

    /** Enabling may import a road network (embedded engine). */
    default Duration enableTimeout() {
        return Duration.ofMinutes(2);
    }

    /** Names of services to enable although no processor references them (e.g. a Distributed Map Cache server). */
    default Set<String> unreferencedServicesToEnable() {
        return Set.of();
    }

    /** Waits for what the flow needs beyond its enabled services before it starts (e.g. a server accepting connections). */
    default void awaitReady() {
    }

    default Duration runTimeout() {
        return Duration.ofMinutes(2);
    }
}
