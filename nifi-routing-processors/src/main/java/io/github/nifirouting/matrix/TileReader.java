package io.github.nifirouting.matrix;

import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.coordinates.PointReading;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.CoordinateSet;
import io.github.nifirouting.model.TileAddress;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.serialization.MalformedRecordException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.record.Record;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads a tile's records into origin and destination blocks according to its tiling mode. */
public final class TileReader {

    /** A tile that cannot be routed as it is; the message says why. */
    public static final class TileException extends Exception {
        public TileException(final String message) {
            super(message);
        }
    }

    private final PointFields fields;

    public TileReader(final PointFields fields) {
        this.fields = fields;
    }

    /**
     * @param address      the tile's address ({@link TileAddress#NONE} for plain records)
     * @param destinations the coordinate set slice for coordinate-set tiles, the whole set for chunks routed against a set,
     *                     or null to route the records among themselves
     */
    public TilePoints read(final RecordReader reader, final TileAddress address, final CoordinateBlock destinations)
            throws IOException, MalformedRecordException, TileException {
        final CoordinateBlock.Builder origins = new CoordinateBlock.Builder(256);
        final CoordinateBlock.Builder ownDestinations = new CoordinateBlock.Builder(256);
        final List<String> invalidOrigins = new ArrayList<>();
        final List<String> invalidDestinations = new ArrayList<>();
        final boolean allPairs = address.isAllPairsTile();
        final PointReading point = new PointReading();
        Record record;
        long index = 0;
        while ((record = reader.nextRecord()) != null) {
            fields.read(record, point);
            boolean isOrigin = true;
            boolean isDestination = destinations == null;
            if (allPairs) {
                final Object role = record.getValue(TileAttributes.ROLE_FIELD);
                if (role == null) {
                    throw new TileException("record " + index + " of an all-pairs tile has no " + TileAttributes.ROLE_FIELD + " field");
                }
                switch (role.toString()) {
                    case TileAttributes.ROLE_ORIGIN -> isDestination = false;
                    case TileAttributes.ROLE_DESTINATION -> isOrigin = false;
                    case TileAttributes.ROLE_BOTH -> isDestination = true;
                    default -> throw new TileException("record " + index + " has unknown " + TileAttributes.ROLE_FIELD + " '" + role + "'");
                }
            }
            final String id = point.id() != null ? point.id() : "record-" + index;
            if (isOrigin) {
                if (point.isValid()) {
                    origins.add(id, point.latitude(), point.longitude());
                } else {
                    invalidOrigins.add(id);
                }
            }
            if (isDestination) {
                if (point.isValid()) {
                    ownDestinations.add(id, point.latitude(), point.longitude());
                } else {
                    invalidDestinations.add(id);
                }
            }
            index++;
        }
        return new TilePoints(origins.build(), destinations != null ? destinations : ownDestinations.build(), invalidOrigins, invalidDestinations);
    }

    /** The destinations a coordinate-set tile refers to, checking that the set has not changed since tiling. */
    public static CoordinateBlock destinationSlice(final CoordinateSet set, final TileAddress address) throws TileException {
        final String expectedVersion = address.destinationSetVersion();
        if (expectedVersion != null && !expectedVersion.equals(set.version())) {
            throw new TileException("the coordinate set was reloaded since this tile was cut (tile version " + expectedVersion
                    + ", current " + set.version() + "): its destination offsets no longer apply; re-run ChunkCoordinates for this input");
        }
        final int[] range;
        try {
            range = address.destinationRange();
        } catch (final TileAddress.InvalidTileAddressException e) {
            throw new TileException(e.getMessage());
        }
        final int offset = range[0];
        final int size = range[1];
        if ((long) offset + size > set.size()) {
            throw new TileException("destinations [" + offset + ", " + ((long) offset + size) + ") are outside the coordinate set of "
                    + set.size() + " points");
        }
        return set.points().slice(offset, size);
    }
}
