package io.github.nifirouting.coordinates;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.CoordinateSet;
import io.github.nifirouting.validation.ReadableFileValidator;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.controller.VerifiableControllerService;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.record.Record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

@Tags({"routing", "coordinates", "destinations", "competitors", "matrix"})
@CapabilityDescription("Loads a file of point records (any format a Record Reader handles) once into compact primitive arrays, about "
        + "30 bytes per point with short ids, and serves it as the destinations of O-D tiles, e.g. all competitor sites. Points are "
        + "validated like ChunkCoordinates does; invalid ones are left out and counted. The set's version is a hash of its "
        + "content as read (the valid points' ids and coordinates, in order), never of file metadata: identical copies of the file on "
        + "the nodes of a cluster have the same version whatever their modification times. The file is re-read when its size or "
        + "modification time changes; when the content changed, the previous versions (up to Retained Versions) are kept, so tiles "
        + "already cut against them are still routed against the points they were cut for.")
@SeeAlso(classNames = {"io.github.nifirouting.processors.ChunkCoordinates", "io.github.nifirouting.processors.InvokeRoutingMatrix"})
public class RecordFileCoordinateSet extends AbstractControllerService implements CoordinateSetService, VerifiableControllerService {

    public static final PropertyDescriptor FILE_PATH = new PropertyDescriptor.Builder()
            .name("File Path")
            .description("Path of the record file holding the points. A relative path resolves against NiFi's working directory; "
                    + "validation names the absolute path when the file is missing or unreadable.")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(new ReadableFileValidator("coordinate file"))
            .build();

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the file. For CSV use Schema Access Strategy 'Use String Fields From Header' so ids and coordinates "
                    + "stay as written (CSVReader's default inference reads ids as numbers and coordinates as float, and the load is refused).")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor DUPLICATE_IDS = new PropertyDescriptor.Builder()
            .name("Duplicate Ids")
            .description("Whether a point whose id appeared earlier in the file is left out (Route to invalid and Drop both leave it "
                    + "out and count it) or kept.")
            .allowableValues(DuplicateIdPolicy.class)
            .defaultValue(DuplicateIdPolicy.ROUTE)
            .required(true)
            .build();

    public static final PropertyDescriptor RETAINED_VERSIONS = new PropertyDescriptor.Builder()
            .name("Retained Versions")
            .description("How many previous versions of the set to keep in memory after the file's content changed, so that tiles "
                    + "cut against them (still queued, in retry or behind an open circuit) are routed against the points they were "
                    + "cut for. A tile whose version is no longer held (older, or cut before this node restarted) fails in "
                    + "InvokeRoutingMatrix as INVALID_TILE, naming its version and the current one. Each version costs about 31 bytes "
                    + "per point.")
            .required(true)
            .defaultValue("2")
            .addValidator(StandardValidators.createLongValidator(0, 100, true))
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(FILE_PATH, RECORD_READER, DUPLICATE_IDS, RETAINED_VERSIONS),
            PointFields.PROPERTIES.stream()).toList();

    private static final int REASONS_LOGGED = 5;

    private volatile Settings settings;
    private volatile Loaded loaded;
    /** Previous versions still held for their tiles, oldest first; guarded by this. */
    private final LinkedHashMap<String, CoordinateSet> previous = new LinkedHashMap<>();

    private record Settings(Path path, RecordReaderFactory readerFactory, PointFields fields, DuplicateIdPolicy duplicates, int retainedVersions) {
    }

    private record FileStamp(long size, long modifiedMillis) {
    }

    private record Loaded(FileStamp stamp, CoordinateSet set) {
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) throws IOException {
        settings = settings(context);
        loaded = load(settings, getLogger());
        getLogger().info("Loaded {} points ({} invalid left out, {} bytes) from {}", loaded.set().size(), loaded.set().invalidCount(),
                loaded.set().points().retainedBytes(), settings.path());
    }

    @OnDisabled
    public void onDisabled() {
        loaded = null;
        settings = null;
        synchronized (this) {
            previous.clear();
        }
    }

    @Override
    public CoordinateSet getCoordinateSet() {
        final Settings current = settings;
        if (current == null) {
            throw new IllegalStateException("coordinate set service is not enabled");
        }
        Loaded snapshot = loaded;
        try {
            if (!stamp(current.path()).equals(snapshot.stamp())) {
                synchronized (this) {
                    snapshot = loaded;
                    if (!stamp(current.path()).equals(snapshot.stamp())) {
                        final Loaded reloaded = load(current, getLogger());
                        if (reloaded.set().version().equals(snapshot.set().version())) {
                            // Same content (copied, touched, rewritten identically): same version, the tiles in flight stay valid.
                            snapshot = new Loaded(reloaded.stamp(), snapshot.set());
                        } else {
                            getLogger().info("{} changed: reloaded {} points, version {} (previous {} kept for its tiles)", current.path(),
                                    reloaded.set().size(), reloaded.set().version(), snapshot.set().version());
                            retain(snapshot.set(), current.retainedVersions());
                            snapshot = reloaded;
                        }
                        loaded = snapshot;
                    }
                }
            }
        } catch (final IOException e) {
            throw new ProcessException("cannot reload the coordinate set from " + current.path() + ": " + e.getMessage(), e);
        }
        return snapshot.set();
    }

    @Override
    public CoordinateSet getCoordinateSet(final String version) {
        final CoordinateSet current = getCoordinateSet();
        if (version == null || version.equals(current.version())) {
            return current;
        }
        synchronized (this) {
            return previous.getOrDefault(version, current);
        }
    }

    private synchronized void retain(final CoordinateSet old, final int retainedVersions) {
        previous.remove(old.version());
        previous.put(old.version(), old);
        while (previous.size() > retainedVersions) {
            previous.remove(previous.keySet().iterator().next());
        }
    }

    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
                                                 final Map<String, String> variables) {
        final List<ConfigVerificationResult> results = new ArrayList<>();
        try {
            final Settings candidate = settings(context);
            final Loaded attempt = load(candidate, verificationLogger);
            final CoordinateSet set = attempt.set();
            results.add(new ConfigVerificationResult.Builder().verificationStepName("Load coordinate set")
                    .outcome(set.size() > 0 ? ConfigVerificationResult.Outcome.SUCCESSFUL : ConfigVerificationResult.Outcome.FAILED)
                    .explanation("Read " + set.size() + " valid points (" + set.invalidCount() + " invalid left out) from " + candidate.path()
                            + ", holding " + set.points().retainedBytes() + " bytes")
                    .build());
        } catch (final Exception e) {
            results.add(new ConfigVerificationResult.Builder().verificationStepName("Load coordinate set")
                    .outcome(ConfigVerificationResult.Outcome.FAILED).explanation(e.getMessage()).build());
        }
        return results;
    }

    private static Settings settings(final PropertyContext context) {
        return new Settings(Path.of(context.getProperty(FILE_PATH).evaluateAttributeExpressions().getValue()),
                context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class),
                PointFields.from(context),
                DuplicateIdPolicy.fromValue(context.getProperty(DUPLICATE_IDS).getValue()),
                context.getProperty(RETAINED_VERSIONS).asInteger());
    }

    private static FileStamp stamp(final Path path) throws IOException {
        final BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileStamp(attributes.size(), attributes.lastModifiedTime().toMillis());
    }

    /** Reads the whole file once, keeping only the valid points' ids and coordinates in flat arrays. */
    static Loaded load(final Settings settings, final ComponentLog logger) throws IOException {
        final FileStamp stamp = stamp(settings.path());
        final PointValidator validator = new PointValidator(settings.fields(), settings.duplicates());
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(4096);
        final ContentVersion version = new ContentVersion();
        long invalid = 0;
        long index = 0;
        final JsonElementCensus census;
        try (InputStream in = Files.newInputStream(settings.path())) {
            census = JsonElementCensus.of(in);
        }
        try (InputStream in = new SeekableFileInputStream(settings.path());
             RecordReader reader = settings.readerFactory().createRecordReader(Map.of(), in, stamp.size(), logger)) {
            InputFieldCheck.check(settings.fields(), reader.getSchema(), census.json());
            Record record;
            // Values as read, not coerced to an inferred schema, so ids stay as written (see PointTiler).
            while ((record = reader.nextRecord(false, false)) != null) {
                if (validator.validate(record) == PointValidator.Verdict.VALID) {
                    final PointReading point = validator.reading();
                    builder.add(point.id(), point.latitude(), point.longitude());
                    version.add(point.id(), point.latitude(), point.longitude());
                } else {
                    if (invalid < REASONS_LOGGED && validator.reading().message() != null) {
                        logger.warn("{} record {} left out: {}", settings.path(), index, validator.reading().message());
                    }
                    invalid++;
                }
                index++;
            }
        } catch (final IOException e) {
            throw e;
        } catch (final InputFieldsException e) {
            throw new IOException(settings.path() + ": " + e.getMessage(), e);
        } catch (final Exception e) {
            throw new IOException("cannot read record " + index + " of " + settings.path() + ": " + e.getMessage(), e);
        }
        if (census.missingRecords(index) > 0) {
            throw new IOException(settings.path() + ": " + census.explainMissing(index));
        }
        return new Loaded(stamp, new CoordinateSet(version.finish(), builder.build(), invalid));
    }

    /**
     * The version of a set from its content as read: SHA-256 over the valid points' ids and coordinates in order, so it
     * is the same for identical copies on every node (file times and paths do not count) and for a file rewritten with
     * the same points, and changes with any point, its order (tiles refer to points by offset) or the validation settings.
     */
    static final class ContentVersion {
        private final MessageDigest digest;
        private final ByteBuffer coordinates = ByteBuffer.allocate(16);
        private long points;

        ContentVersion() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (final NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void add(final String id, final double latitude, final double longitude) {
            final byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
            coordinates.clear();
            coordinates.putInt(idBytes.length);
            digest.update(coordinates.array(), 0, 4);
            digest.update(idBytes);
            coordinates.clear();
            coordinates.putDouble(latitude).putDouble(longitude);
            digest.update(coordinates.array(), 0, 16);
            points++;
        }

        /** "points-hash", e.g. "2000-3f9c..." (128 bits of the hash). */
        String finish() {
            return points + "-" + HexFormat.of().formatHex(digest.digest(), 0, 16);
        }
    }
}
