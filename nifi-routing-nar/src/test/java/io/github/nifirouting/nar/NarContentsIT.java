package io.github.nifirouting.nar;

import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.processor.Processor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opens the NAR this build produced, as NiFi would, and checks what NiFi relies on. */
class NarContentsIT {

    private static final String BUNDLED = "META-INF/bundled-dependencies/";

    private static Path nar;
    private static List<String> bundledJars;
    private static byte[] processorsJar;

    @BeforeAll
    static void openNar() throws IOException {
        nar = Path.of(System.getProperty("nar.file", "target/nifi-routing-nar.nar"));
        assertTrue(Files.isRegularFile(nar), "NAR not built: " + nar);
        bundledJars = new ArrayList<>();
        try (ZipFile zip = new ZipFile(nar.toFile())) {
            final Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                final ZipEntry entry = entries.nextElement();
                if (entry.getName().startsWith(BUNDLED) && entry.getName().endsWith(".jar")) {
                    final String jar = entry.getName().substring(BUNDLED.length());
                    bundledJars.add(jar);
                    if (jar.startsWith("nifi-routing-processors-")) {
                        try (InputStream in = zip.getInputStream(entry)) {
                            processorsJar = in.readAllBytes();
                        }
                    }
                }
            }
        }
        System.out.printf("NAR %s: %,d bytes (%.1f MB), %d bundled jars: %s%n", nar.getFileName(), Files.size(nar),
                Files.size(nar) / 1048576.0, bundledJars.size(), new TreeSet<>(bundledJars));
    }

    @Test
    void declaresItsParentNar() throws IOException {
        try (ZipFile zip = new ZipFile(nar.toFile()); InputStream in = zip.getInputStream(zip.getEntry("META-INF/MANIFEST.MF"))) {
            final Attributes attributes = new Manifest(in).getMainAttributes();
            assertEquals("org.apache.nifi", attributes.getValue("Nar-Dependency-Group"));
            assertEquals("nifi-standard-services-api-nar", attributes.getValue("Nar-Dependency-Id"));
            assertEquals("2.3.0", attributes.getValue("Nar-Dependency-Version"));
            assertEquals("nifi-routing-nar", attributes.getValue("Nar-Id"));
        }
    }

    @Test
    void bundlesNoFrameworkOrParentProvidedJars() {
        for (final String jar : bundledJars) {
            for (final String forbidden : List.of("nifi-api-", "nifi-framework", "nifi-runtime", "nifi-nar-utils", "slf4j-api-",
                    "nifi-record-2", "nifi-record-serialization-service-api-", "nifi-ssl-context-service-api-", "nifi-utils-",
                    "nifi-mock", "junit")) {
                assertFalse(jar.startsWith(forbidden), jar + " must come from NiFi or the parent NAR, not this NAR");
            }
        }
        assertNotNull(processorsJar, "the processors jar is bundled");
    }

    @Test
    void everyProcessorAndControllerServiceIsRegistered() throws Exception {
        final Set<String> registeredProcessors = new TreeSet<>();
        final Set<String> registeredServices = new TreeSet<>();
        final Set<String> classes = new TreeSet<>();
        try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(processorsJar))) {
            ZipEntry entry;
            while ((entry = jar.getNextEntry()) != null) {
                final String name = entry.getName();
                if (name.equals("META-INF/services/org.apache.nifi.processor.Processor")) {
                    registeredProcessors.addAll(lines(jar.readAllBytes()));
                } else if (name.equals("META-INF/services/org.apache.nifi.controller.ControllerService")) {
                    registeredServices.addAll(lines(jar.readAllBytes()));
                } else if (name.endsWith(".class") && !name.contains("$")) {
                    classes.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
                }
            }
        }
        final Set<String> processors = new TreeSet<>();
        final Set<String> services = new TreeSet<>();
        for (final String className : classes) {
            final Class<?> type = Class.forName(className, false, getClass().getClassLoader());
            if (type.isInterface() || Modifier.isAbstract(type.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
                continue;
            }
            if (Processor.class.isAssignableFrom(type)) {
                processors.add(className);
            } else if (ControllerService.class.isAssignableFrom(type)) {
                services.add(className);
            }
        }
        System.out.println("Processors: " + processors);
        System.out.println("Controller services: " + services);
        assertFalse(processors.isEmpty());
        assertEquals(processors, registeredProcessors, "META-INF/services/org.apache.nifi.processor.Processor");
        assertEquals(services, registeredServices, "META-INF/services/org.apache.nifi.controller.ControllerService");
    }

    private static List<String> lines(final byte[] content) {
        return new String(content, StandardCharsets.UTF_8).lines().map(String::trim)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }
}
