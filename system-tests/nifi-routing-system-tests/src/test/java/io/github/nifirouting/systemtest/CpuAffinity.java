package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Pins a running process (all its threads; threads it starts later inherit the mask) to a set of CPUs with
 * {@code taskset}, so a benchmark can give the routing engine CPUs of its own, as when it runs on its own host.
 */
final class CpuAffinity {

    private CpuAffinity() {
    }

    /** {@code cpus} as taskset reads it ("0", "1", "0-1"); null or blank leaves the process where it is. */
    static void pin(final long pid, final String cpus) throws IOException, InterruptedException {
        if (cpus == null || cpus.isBlank()) {
            return;
        }
        final Process taskset = new ProcessBuilder("taskset", "--all-tasks", "--cpu-list", "--pid", cpus.strip(), Long.toString(pid))
                .redirectErrorStream(true).start();
        final String output = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!taskset.waitFor(30, TimeUnit.SECONDS) || taskset.exitValue() != 0) {
            throw new IOException("taskset could not pin pid " + pid + " to CPUs " + cpus + ": " + output.strip());
        }
    }
}
