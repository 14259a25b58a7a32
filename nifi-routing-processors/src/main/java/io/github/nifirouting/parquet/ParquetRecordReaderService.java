package io.github.nifirouting.parquet;

import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.serialization.MalformedRecordException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

@Tags({"parquet", "geoparquet", "record", "reader", "columnar"})
@CapabilityDescription("Reads Apache Parquet files as records, without Hadoop, so flows can take Parquet inputs such as site lists. "
        + "Parquet needs random access to its footer, so the content is first copied to a temporary file on local disk (not the "
        + "heap) and decoded one row group at a time; the file is deleted when the reader closes. WKB geometry columns are read as "
        + "bytes. Supports files compressed with SNAPPY, ZSTD, GZIP or none.")
@SeeAlso(classNames = {"io.github.nifirouting.parquet.ParquetRecordSetWriter"})
public class ParquetRecordReaderService extends AbstractControllerService implements RecordReaderFactory {

    @Override
    public RecordReader createRecordReader(final Map<String, String> variables, final InputStream in, final long inputLength,
                                           final ComponentLog logger) throws MalformedRecordException, IOException {
        try {
            return new ParquetRecordReader(in);
        } catch (final IOException e) {
            throw new MalformedRecordException("cannot read the content as Parquet: " + e.getMessage(), e);
        }
    }
}
