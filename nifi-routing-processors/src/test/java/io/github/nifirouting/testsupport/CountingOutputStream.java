package io.github.nifirouting.testsupport;

import java.io.OutputStream;

/** Discards what is written and counts the bytes: lets benchmarks measure writers without keeping their output. */
public final class CountingOutputStream extends OutputStream {

    private long count;

    @Override
    public void write(final int b) {
        count++;
    }

    @Override
    public void write(final byte[] bytes, final int offset, final int length) {
        count += length;
    }

    public long count() {
        return count;
    }
}
