package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What this build's NAR declares: its bundle coordinates (manifest) and the processors and controller services its
 * bundled jars register for ServiceLoader, which is how NiFi discovers them. The expected side of the REST assertions.
 */
record NarBundle(Bundle bundle, Set<String> processors, Set<String> controllerServices) {

    /** Bundle coordinates as NiFi reports them (group, artifact, version). */
    record Bundle(String group, String artifact, String version) {
        @Override
        public String toString() {
            return group + ":" + artifact + ":" + version;
        }
    }

    static NarBundle read(final Path nar) throws IOException {
        final Set<String> processors = new TreeSet<>();
        final Set<String> services = new TreeSet<>();
        final Attributes manifest;
        try (ZipFile zip = new ZipFile(nar.toFile())) {
            try (InputStream in = zip.getInputStream(zip.getEntry("META-INF/MANIFEST.MF"))) {
                manifest = new Manifest(in).getMainAttributes();
            }
            final Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                final ZipEntry entry = entries.nextElement();
                if (entry.getName().startsWith("META-INF/bundled-dependencies/") && entry.getName().endsWith(".jar")) {
                    try (JarInputStream jar = new JarInputStream(zip.getInputStream(entry))) {
                        ZipEntry inner;
                        while ((inner = jar.getNextEntry()) != null) {
                            if (inner.getName().equals("META-INF/services/org.apache.nifi.processor.Processor")) {
                                processors.addAll(lines(jar.readAllBytes()));
                            } else if (inner.getName().equals("META-INF/services/org.apache.nifi.controller.ControllerService")) {
                                services.addAll(lines(jar.readAllBytes()));
                            }
                        }
                    }
                }
            }
        }
        final Bundle bundle = new Bundle(manifest.getValue("Nar-Group"), manifest.getValue("Nar-Id"), manifest.getValue("Nar-Version"));
        return new NarBundle(bundle, processors, services);
    }

    private static Set<String> lines(final byte[] content) {
        final Set<String> names = new TreeSet<>();
        new String(content, StandardCharsets.UTF_8).lines().map(line -> line.replaceFirst("#.*", "").trim())
                .filter(line -> !line.isEmpty()).forEach(names::add);
        return names;
    }
}
