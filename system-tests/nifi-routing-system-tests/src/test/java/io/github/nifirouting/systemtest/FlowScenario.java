package io.github.nifirouting.systemtest;

import java.io.IOException;

/**
 * One flow to run in the real NiFi: its definition (generated, or a file in templates/) with the inputs and checks it
 * runs with. {@link FlowRunner} does the NiFi side.
 */
interface FlowScenario extends FlowChecks {

    /** Name of the process group the definition is imported as. */
    String name();

    /** The flow definition JSON to import. */
    byte[] flowDefinition() throws IOException;
}
