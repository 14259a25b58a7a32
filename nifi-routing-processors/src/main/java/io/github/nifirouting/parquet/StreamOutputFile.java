package io.github.nifirouting.parquet;

import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A Parquet {@link OutputFile} over a plain stream (a FlowFile's content), counting the position Parquet needs
 * for its footer offsets. Parquet only appends, so no seeking or temporary file is needed. Closing it flushes but
 * leaves the underlying stream open for its owner.
 */
final class StreamOutputFile implements OutputFile {

    private final OutputStream out;

    StreamOutputFile(final OutputStream out) {
        this.out = out;
    }

    @Override
    public PositionOutputStream create(final long blockSizeHint) {
        return new PositionOutputStream() {
            private long position;

            @Override
            public long getPos() {
                return position;
            }

            @Override
            public void write(final int b) throws IOException {
                out.write(b);
                position++;
            }

            @Override
            public void write(final byte[] bytes, final int offset, final int length) throws IOException {
                out.write(bytes, offset, length);
                position += length;
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    @Override
    public PositionOutputStream createOrOverwrite(final long blockSizeHint) {
        return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }
}
