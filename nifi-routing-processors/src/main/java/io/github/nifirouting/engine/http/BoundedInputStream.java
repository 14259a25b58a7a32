package io.github.nifirouting.engine.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Fails once more than a set number of bytes were read, so a rogue or misconfigured server cannot exhaust the heap. */
final class BoundedInputStream extends FilterInputStream {

    private final long limit;
    private long count;

    BoundedInputStream(final InputStream in, final long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        final int b = super.read();
        if (b >= 0 && ++count > limit) {
            throw new ResponseTooLargeException(limit);
        }
        return b;
    }

    @Override
    public int read(final byte[] buffer, final int offset, final int length) throws IOException {
        final int n = super.read(buffer, offset, length);
        if (n > 0) {
            count += n;
            if (count > limit) {
                throw new ResponseTooLargeException(limit);
            }
        }
        return n;
    }
}
