package io.github.nifirouting.nar;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens the NAR this build produced and checks what NiFi relies on when it loads it: the parent NAR declared in the
 * manifest, nothing bundled that NiFi's lib/ or the parent NAR already provides, and every extension class registered
 * in META-INF/services. The classes are loaded the way NiFi loads them: our bundled jars under the parent NAR's bundled
 * jars under NiFi's lib/ API jars, so a dependency missing from the NAR fails here, not on a user's NiFi.
 */
class NarContentsIT {

    private static final String BUNDLED = "META-INF/bundled-dependencies/";
    /** The extension points NiFi discovers through ServiceLoader and that this bundle may implement. */
    private static final List<String> EXTENSION_POINTS = List.of("org.apache.nifi.processor.Processor",
            "org.apache.nifi.controller.ControllerService", "org.apache.nifi.reporting.ReportingTask");
    /** Jars NiFi's lib/ provides to every NAR; bundling another copy splits classes between loaders. */
    private static final List<String> PROVIDED_BY_NIFI = List.of("nifi-api", "nifi-framework-api", "nifi-runtime", "nifi-nar-utils",
            "nifi-properties", "nifi-property-utils", "nifi-server-api", "nifi-stateless-api", "nifi-python-framework-api",
            "slf4j-api", "logback-classic", "logback-core", "jcl-over-slf4j", "log4j-over-slf4j", "jul-to-slf4j");
    /** Test-only artifacts that must never ship. */
    private static final List<String> TEST_ONLY = List.of("nifi-mock", "junit-jupiter-api", "junit-jupiter-engine", "duckdb_jdbc");
    /** Prefix of the jars built by this project, whose classes are checked for registration. */
    private static final String OWN_JAR_PREFIX = "nifi-routing-";
    private static final Pattern VERSIONED_JAR = Pattern.compile("^(.+?)-(\\d[^/]*)\\.jar$");

    @TempDir
    static Path work;

    private static Path nar;
    private static Map<String, Path> bundledJars;
    private static Map<String, Path> parentJars;
    private static URLClassLoader nifiLib;
    private static URLClassLoader parentNarLoader;
    private static URLClassLoader narLoader;

    @BeforeAll
    static void openNar() throws IOException {
        nar = Path.of(System.getProperty("nar.file", "target/nifi-routing-nar.nar"));
        assertTrue(Files.isRegularFile(nar), "NAR not built: " + nar + " (run through Maven: ./mvnw verify -pl nifi-routing-nar -am)");
        bundledJars = extractBundledJars(nar, work.resolve("nar"));
        parentJars = extractBundledJars(Path.of(requiredProperty("parent.nar.file")), work.resolve("parent"));

        final List<URL> libUrls = new ArrayList<>();
        for (final String jar : requiredProperty("nifi.lib.jars").split(",")) {
            libUrls.add(Path.of(jar.trim()).toUri().toURL());
        }
        nifiLib = new URLClassLoader("nifi-lib", libUrls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        parentNarLoader = new URLClassLoader("parent-nar", urls(parentJars.values()), nifiLib);
        narLoader = new URLClassLoader("nifi-routing-nar", urls(bundledJars.values()), parentNarLoader);

        long bundledBytes = 0;
        final Map<String, Long> sizes = new TreeMap<>();
        for (final Map.Entry<String, Path> jar : bundledJars.entrySet()) {
            sizes.put(jar.getKey(), Files.size(jar.getValue()));
            bundledBytes += Files.size(jar.getValue());
        }
        System.out.printf("NAR %s: %,d bytes (%.1f MB) compressed, %d bundled jars totalling %.1f MB%n", nar.getFileName(),
                Files.size(nar), Files.size(nar) / 1048576.0, bundledJars.size(), bundledBytes / 1048576.0);
        sizes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(jar -> System.out.printf("  %8.1f KB  %s%n", jar.getValue() / 1024.0, jar.getKey()));
    }

    @AfterAll
    static void closeLoaders() throws IOException {
        for (final URLClassLoader loader : Arrays.asList(narLoader, parentNarLoader, nifiLib)) {
            if (loader != null) {
                loader.close();
            }
        }
    }

    @Test
    void declaresItsParentNar() throws IOException {
        final Attributes manifest;
        try (ZipFile zip = new ZipFile(nar.toFile()); InputStream in = zip.getInputStream(zip.getEntry("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in).getMainAttributes();
        }
        final String[] expected = requiredProperty("nar.expected.coordinate").split(":");
        assertEquals(expected[0], manifest.getValue("Nar-Group"));
        assertEquals(expected[1], manifest.getValue("Nar-Id"));
        assertEquals(expected[2], manifest.getValue("Nar-Version"));
        final String[] parent = requiredProperty("nar.expected.parent").split(":");
        assertEquals(parent[0], manifest.getValue("Nar-Dependency-Group"), "parent NAR group");
        assertEquals(parent[1], manifest.getValue("Nar-Dependency-Id"), "parent NAR id");
        assertEquals(parent[2], manifest.getValue("Nar-Dependency-Version"), "parent NAR version");
    }

    @Test
    void bundlesNothingThatNiFiOrTheParentNarProvides() {
        final Set<String> parentArtifacts = new TreeSet<>();
        parentJars.keySet().forEach(jar -> parentArtifacts.add(artifactOf(jar)));
        final List<String> offending = new ArrayList<>();
        for (final String jar : bundledJars.keySet()) {
            final String artifact = artifactOf(jar);
            if (PROVIDED_BY_NIFI.contains(artifact) || artifact.startsWith("nifi-framework")) {
                offending.add(jar + " (NiFi's lib/ provides it)");
            } else if (parentArtifacts.contains(artifact)) {
                offending.add(jar + " (the parent NAR provides it)");
            } else if (TEST_ONLY.contains(artifact) || artifact.startsWith("junit")) {
                offending.add(jar + " (test only)");
            }
        }
        assertTrue(offending.isEmpty(), "bundled jars that must not be in the NAR: " + offending);
        assertFalse(ownJars().isEmpty(), "the NAR bundles this project's jar(s) " + OWN_JAR_PREFIX + "*");
    }

    @Test
    void registersEveryExtensionItContainsAndEachLoadsInNiFisClassLoaderChain() throws Exception {
        final Map<String, Set<String>> registered = new LinkedHashMap<>();
        final Map<String, Set<String>> found = new LinkedHashMap<>();
        for (final String point : EXTENSION_POINTS) {
            registered.put(point, new TreeSet<>());
            found.put(point, new TreeSet<>());
        }
        for (final Path jar : bundledJars.values()) {
            registered.forEach((point, names) -> names.addAll(serviceEntries(jar, point)));
        }

        final Map<String, Class<?>> extensionPoints = new LinkedHashMap<>();
        for (final String point : EXTENSION_POINTS) {
            extensionPoints.put(point, Class.forName(point, false, nifiLib));
        }
        for (final Path jar : ownJars()) {
            for (final String className : classNames(jar)) {
                final Class<?> type = Class.forName(className, false, narLoader);
                if (!isInstantiable(type)) {
                    continue;
                }
                extensionPoints.forEach((point, api) -> {
                    if (api.isAssignableFrom(type)) {
                        found.get(point).add(className);
                    }
                });
            }
        }
        found.forEach((point, names) -> System.out.println(point.substring(point.lastIndexOf('.') + 1) + ": " + names));
        assertFalse(found.get("org.apache.nifi.processor.Processor").isEmpty(), "the bundle has processors");
        for (final String point : EXTENSION_POINTS) {
            final Set<String> missing = new TreeSet<>(found.get(point));
            missing.removeAll(registered.get(point));
            final Set<String> unknown = new TreeSet<>(registered.get(point));
            unknown.removeAll(found.get(point));
            assertTrue(missing.isEmpty() && unknown.isEmpty(), "META-INF/services/" + point + " must list exactly the public, "
                    + "concrete implementations in the bundle; not registered: " + missing + ", registered but not found: " + unknown);
        }

        // What NiFi does next: instantiate through ServiceLoader's no-arg constructor, read descriptors and relationships.
        final Class<?> configurable = Class.forName("org.apache.nifi.components.ConfigurableComponent", false, nifiLib);
        final Class<?> processor = extensionPoints.get("org.apache.nifi.processor.Processor");
        @SuppressWarnings("unchecked")
        final Class<? extends Annotation> capabilityDescription = (Class<? extends Annotation>)
                Class.forName("org.apache.nifi.annotation.documentation.CapabilityDescription", false, nifiLib);
        final Method propertyDescriptors = configurable.getMethod("getPropertyDescriptors");
        final Method relationships = processor.getMethod("getRelationships");
        final Class<?> propertyDescriptor = Class.forName("org.apache.nifi.components.PropertyDescriptor", false, nifiLib);
        final Method descriptionOf = propertyDescriptor.getMethod("getDescription");
        final Method nameOf = propertyDescriptor.getMethod("getName");
        final Thread thread = Thread.currentThread();
        final ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(narLoader);
        try {
            for (final Set<String> names : registered.values()) {
                for (final String className : names) {
                    final Class<?> type = Class.forName(className, true, narLoader);
                    assertNotNull(type.getAnnotation(capabilityDescription), className + " has no @CapabilityDescription");
                    type.getDeclaredMethods(); // NiFi scans them for lifecycle annotations: resolves every signature type
                    final Object component;
                    try {
                        component = type.getConstructor().newInstance();
                    } catch (final ReflectiveOperationException | LinkageError e) {
                        throw new AssertionError(className + " cannot be instantiated in NiFi's class loader chain", e);
                    }
                    for (final Object descriptor : (List<?>) invoke(propertyDescriptors, component, className)) {
                        final Object description = invoke(descriptionOf, descriptor, className);
                        assertTrue(description != null && !description.toString().isBlank(),
                                className + ": property '" + invoke(nameOf, descriptor, className) + "' has no description");
                    }
                    if (processor.isInstance(component)) {
                        assertFalse(((Set<?>) invoke(relationships, component, className)).isEmpty(), className + " has no relationships");
                    }
                }
            }
        } catch (final LinkageError e) {
            fail("a class the NAR needs is neither bundled nor provided by the parent NAR or NiFi's lib/: " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static Object invoke(final Method method, final Object target, final String component) {
        try {
            return method.invoke(target);
        } catch (final InvocationTargetException e) {
            if (e.getCause() instanceof LinkageError linkage) {
                throw linkage;
            }
            throw new AssertionError(component + "." + method.getName() + "() failed", e.getCause());
        } catch (final IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isInstantiable(final Class<?> type) {
        final int modifiers = type.getModifiers();
        return !type.isInterface() && !Modifier.isAbstract(modifiers) && Modifier.isPublic(modifiers)
                && (type.getEnclosingClass() == null || Modifier.isStatic(modifiers));
    }

    private static List<Path> ownJars() {
        return bundledJars.entrySet().stream().filter(jar -> jar.getKey().startsWith(OWN_JAR_PREFIX)).map(Map.Entry::getValue).toList();
    }

    private static Map<String, Path> extractBundledJars(final Path narFile, final Path target) throws IOException {
        assertTrue(Files.isRegularFile(narFile), "missing " + narFile);
        Files.createDirectories(target);
        final Map<String, Path> jars = new TreeMap<>();
        try (ZipFile zip = new ZipFile(narFile.toFile())) {
            final Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                final ZipEntry entry = entries.nextElement();
                final String name = entry.getName();
                if (name.startsWith(BUNDLED) && name.endsWith(".jar")) {
                    final String jar = name.substring(BUNDLED.length());
                    final Path file = target.resolve(jar);
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, file);
                    }
                    jars.put(jar, file);
                }
            }
        }
        return jars;
    }

    private static Set<String> serviceEntries(final Path jar, final String extensionPoint) {
        try (JarFile file = new JarFile(jar.toFile())) {
            final ZipEntry entry = file.getEntry("META-INF/services/" + extensionPoint);
            if (entry == null) {
                return Set.of();
            }
            try (InputStream in = file.getInputStream(entry)) {
                final Set<String> names = new TreeSet<>();
                new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(line -> line.replaceFirst("#.*", "").trim())
                        .filter(line -> !line.isEmpty()).forEach(names::add);
                return names;
            }
        } catch (final IOException e) {
            throw new AssertionError("cannot read " + jar, e);
        }
    }

    private static List<String> classNames(final Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(ZipEntry::getName)
                    .filter(name -> name.endsWith(".class") && !name.endsWith("module-info.class") && !name.startsWith("META-INF/"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                    .sorted().toList();
        }
    }

    private static String artifactOf(final String jarName) {
        final Matcher matcher = VERSIONED_JAR.matcher(jarName);
        return matcher.matches() ? matcher.group(1) : jarName;
    }

    private static URL[] urls(final Collection<Path> jars) throws IOException {
        final List<URL> urls = new ArrayList<>();
        for (final Path jar : jars) {
            urls.add(jar.toUri().toURL());
        }
        return urls.toArray(URL[]::new);
    }

    private static String requiredProperty(final String name) {
        final String value = System.getProperty(name);
        assertNotNull(value, "system property " + name + " is set by the failsafe configuration in nifi-routing-nar/pom.xml");
        assertFalse(value.contains("${"), "system property " + name + " was not resolved by Maven: " + value);
        return value;
    }
}
