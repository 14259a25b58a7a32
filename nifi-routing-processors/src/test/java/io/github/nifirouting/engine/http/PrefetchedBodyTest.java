package io.github.nifirouting.engine.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prefetching body stream gives the bytes in order, keeps the client's demand bounded, and ends, fails and closes as ofInputStream's does. */
class PrefetchedBodyTest {

    /** A client that delivers a buffer for every unit of demand, on its own thread, and counts what is outstanding. */
    private static final class Client implements Flow.Subscription {
        final PrefetchedBody body = new PrefetchedBody();
        final byte[] content;
        final int bufferSize;
        final AtomicLong demand = new AtomicLong();
        final AtomicLong maxWaiting = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong consumedBuffers = new AtomicLong();
        final AtomicBoolean cancelled = new AtomicBoolean();
        int position;

        Client(final byte[] content, final int bufferSize) {
            this.content = content;
            this.bufferSize = bufferSize;
        }

        @Override
        public synchronized void request(final long n) {
            demand.addAndGet(n);
            while (demand.get() > 0 && position < content.length && !cancelled.get()) {
                final int length = Math.min(bufferSize, content.length - position);
                body.onNext(List.of(ByteBuffer.wrap(content, position, length).slice()));
                position += length;
                demand.decrementAndGet();
                maxWaiting.accumulateAndGet(delivered.incrementAndGet(), Math::max);
            }
            if (position == content.length && !cancelled.get()) {
                body.onComplete();
                position++;
            }
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    }

    @Test
    void readsEveryByteInOrderWithBoundedDemand() throws Exception {
        final byte[] content = new byte[1_000_003];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        final Client client = new Client(content, 16 << 10);
        final InputStream in = client.body.getBody().toCompletableFuture().get();
        client.body.onSubscribe(client);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] chunk = new byte[7_000];
        int read;
        while ((read = in.read(chunk, 0, chunk.length)) >= 0) {
            out.write(chunk, 0, read);
        }
        assertArrayEquals(content, out.toByteArray());
        assertEquals(-1, in.read());
        // The client never had more than AHEAD buffers asked for beyond what was consumed.
        assertTrue(client.maxWaiting.get() <= content.length / (16 << 10) + 1);
        in.close();
        assertFalse(client.cancelled.get(), "a finished body is not cancelled on close");
    }

    @Test
    void demandIsAheadButBounded() throws Exception {
        final PrefetchedBody body = new PrefetchedBody();
        final AtomicLong requested = new AtomicLong();
        body.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(final long n) {
                requested.addAndGet(n);
            }

            @Override
            public void cancel() {
            }
        });
        assertEquals(PrefetchedBody.AHEAD, requested.get());
        final InputStream in = body.getBody().toCompletableFuture().get();
        for (int i = 0; i < PrefetchedBody.BATCH; i++) {
            body.onNext(List.of(ByteBuffer.wrap(new byte[]{(byte) i})));
        }
        for (int i = 0; i < PrefetchedBody.BATCH - 1; i++) {
            assertEquals(i, in.read());
        }
        assertEquals(PrefetchedBody.AHEAD, requested.get(), "no new demand before a batch is consumed");
        assertEquals(PrefetchedBody.BATCH - 1, in.read());
        // The batch's last list was taken: demand for another batch went out.
        assertEquals(PrefetchedBody.AHEAD + PrefetchedBody.BATCH, requested.get());
    }

    @Test
    void aFailureIsAnIOExceptionAndCloseCancelsAnUnfinishedBody() throws Exception {
        final PrefetchedBody body = new PrefetchedBody();
        final AtomicBoolean cancelled = new AtomicBoolean();
        body.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(final long n) {
            }

            @Override
            public void cancel() {
                cancelled.set(true);
            }
        });
        final InputStream in = body.getBody().toCompletableFuture().get();
        body.onNext(List.of(ByteBuffer.wrap(new byte[]{1, 2})));
        body.onError(new IOException("connection reset"));
        assertEquals(1, in.read());
        assertEquals(2, in.read());
        final IOException failure = assertThrows(IOException.class, in::read);
        assertEquals("connection reset", failure.getMessage());
        in.close();
        assertFalse(cancelled.get(), "failed bodies have nothing to cancel");

        final PrefetchedBody open = new PrefetchedBody();
        final AtomicBoolean openCancelled = new AtomicBoolean();
        open.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(final long n) {
            }

            @Override
            public void cancel() {
                openCancelled.set(true);
            }
        });
        final InputStream waiting = open.getBody().toCompletableFuture().get();
        // A reader blocked for the next buffer is woken by a close from another thread (the deadline watchdog) with an error.
        final CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                waiting.read();
                return null;
            } catch (final IOException e) {
                return e;
            }
        });
        Thread.sleep(100);
        waiting.close();
        assertTrue(reader.get(10, TimeUnit.SECONDS) instanceof IOException);
        assertTrue(openCancelled.get(), "an unfinished body is cancelled on close");
    }
}
