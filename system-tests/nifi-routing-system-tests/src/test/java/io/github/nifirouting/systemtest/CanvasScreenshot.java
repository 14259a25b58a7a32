package io.github.nifirouting.systemtest;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A picture of NiFi's canvas taken with headless Chromium (Debian package {@code chromium}): NiFi 2's UI is an Angular
 * application, so the page is given virtual time to load its scripts, ask the REST API for the flow and draw it.
 * Chromium runs with a fresh, empty profile and without any background network traffic of its own.
 */
final class CanvasScreenshot {

    private static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome");

    private CanvasScreenshot() {
    }

    static Optional<Path> browser() {
        final String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (final String name : BROWSERS) {
            for (final String dir : path.split(File.pathSeparator)) {
                final Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Loads {@code page} in headless Chromium at {@code width} x {@code height} and writes the PNG to {@code png}. */
    static Path take(final URI page, final Path png, final int width, final int height, final Duration renderBudget) throws IOException,
            InterruptedException {
        final Path chromium = browser().orElseThrow(() -> new AssertionError("headless Chromium is needed for the canvas screenshot: "
                + "install the Debian packages chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)"));
        final Path profile = Files.createTempDirectory(png.getParent(), "chromium-profile-");
        Files.deleteIfExists(png);
        final List<String> command = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height, "--virtual-time-budget=" + renderBudget.toMillis(),
                "--screenshot=" + png, page.toString());
        final Path log = png.resolveSibling(png.getFileName() + ".chromium.log");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(renderBudget.toSeconds() + 90, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("Chromium did not finish the screenshot of " + page + "; its output: " + Files.readString(log));
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroy);
            NiFiHome.deleteRecursively(profile);
        }
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new AssertionError("Chromium (exit " + process.exitValue() + ") wrote no screenshot of " + page + ": " + Files.readString(log));
        }
        return png;
    }
}
