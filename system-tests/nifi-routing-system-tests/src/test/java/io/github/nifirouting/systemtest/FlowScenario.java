package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One flow to run in the real NiFi: where its definition comes from (generated, or a file in templates/), the inputs and
 * parameter values it runs with, and what its outputs must look like. {@link FlowRunner} does the NiFi side.
 */
interface FlowScenario {

    /** Name of the process group the definition is imported as. */
    String name();

    /** The flow definition JSON to import. */
    byte[] flowDefinition() throws IOException;

    /** Writes the inputs under {@code workDir} and returns the values to set on the flow's parameter context. */
    Map<String, String> prepare(Path workDir) throws IOException;

    /** Checks the outputs after the flow went quiet and was stopped. */
    void verify(Path workDir, FlowRunner.RunResult result) throws Exception;

    /** Enabling may import a road network (embedded engine). */
    default Duration enableTimeout() {
        return Duration.ofMinutes(2);
    }

    default Duration runTimeout() {
        return Duration.ofMinutes(2);
    }
}
