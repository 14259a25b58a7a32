package io.github.nifirouting.coordinates;

import org.apache.nifi.serialization.record.Record;

/**
 * Validates a stream of point records: the per-record checks of {@link PointFields} plus duplicate ids, which
 * need state over the whole input. Deterministic: validating the same records in the same order with a new
 * validator gives the same verdicts, so a processor can validate in one pass and route in the next without
 * remembering a verdict per record.
 */
public final class PointValidator {

    private final PointFields fields;
    private final DuplicateIdPolicy duplicatePolicy;
    private final IdFingerprintSet seenIds;
    private final PointReading reading = new PointReading();

    public PointValidator(final PointFields fields, final DuplicateIdPolicy duplicatePolicy) {
        this.fields = fields;
        this.duplicatePolicy = duplicatePolicy;
        this.seenIds = duplicatePolicy == DuplicateIdPolicy.KEEP ? null : new IdFingerprintSet();
    }

    /** What happened to a record. */
    public enum Verdict { VALID, INVALID, DROPPED_DUPLICATE }

    /** Validates the next record; details are in {@link #reading()} until the next call. */
    public Verdict validate(final Record record) {
        fields.read(record, reading);
        if (!reading.isValid()) {
            return Verdict.INVALID;
        }
        if (seenIds != null && !seenIds.add(reading.id())) {
            if (duplicatePolicy == DuplicateIdPolicy.DROP) {
                return Verdict.DROPPED_DUPLICATE;
            }
            reading.reject(InvalidReason.DUPLICATE_ID, "id '" + reading.id() + "' already appeared earlier in the input");
            return Verdict.INVALID;
        }
        return Verdict.VALID;
    }

    public PointReading reading() {
        return reading;
    }

    /** Heap held for duplicate detection, in bytes. */
    public long retainedBytes() {
        return seenIds == null ? 0 : seenIds.retainedBytes();
    }
}
