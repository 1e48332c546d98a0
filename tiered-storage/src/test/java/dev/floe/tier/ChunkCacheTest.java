package dev.floe.tier;

import dev.floe.tier.remote.ChunkCache;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import dev.floe.tier.store.ObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The read-ahead cache over a real (directory) object store, counting the ranged GETs it makes. */
class ChunkCacheTest {
    static final int CHUNK = 1 << 16;

    @Test
    void aSequentialReaderFindsTheNextChunksAlreadyFetched(@TempDir Path dir) throws Exception {
        byte[] object = new byte[CHUNK * 10 + 123];
        new Random(7).nextBytes(object);
        CountingStore store = new CountingStore(new LocalDirectoryObjectStore(dir));
        store.put("seg.log", object);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ChunkCache cache = new ChunkCache(store, CHUNK, 64L * CHUNK, meters)) {
            assertThat(cache.read("seg.log", 10, 100, object.length)).isEqualTo(Arrays.copyOfRange(object, 10, 110));
            // Chunks 1..4 are fetched in the background; wait for them rather than for time.
            long deadline = System.currentTimeMillis() + 10_000;
            while (store.ranges.get() < 5 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(store.ranges.get()).isEqualTo(5);
            byte[] next = cache.read("seg.log", CHUNK, 3 * CHUNK, object.length);
            assertThat(next).isEqualTo(Arrays.copyOfRange(object, CHUNK, 4 * CHUNK));
            // Chunks 1..3 were already here: the only miss so far is the first read's chunk 0.
            assertThat(meters.counter("floe.tier.cache.misses").count()).isEqualTo(1.0);

            // The tail: a short last chunk, and nothing fetched past the end of the object.
            byte[] tail = cache.read("seg.log", 10L * CHUNK, 1000, object.length);
            assertThat(tail).isEqualTo(Arrays.copyOfRange(object, 10 * CHUNK, object.length));
            Thread.sleep(100);
            assertThat(store.maxChunkRequested.get()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void aSliceInsideOneChunkSharesTheCachedBytesAndOneAcrossChunksIsACopy(@TempDir Path dir) throws Exception {
        byte[] object = new byte[CHUNK * 3];
        new Random(11).nextBytes(object);
        CountingStore store = new CountingStore(new LocalDirectoryObjectStore(dir));
        store.put("seg.log", object);
        try (ChunkCache cache = new ChunkCache(store, CHUNK, 64L * CHUNK, new SimpleMeterRegistry())) {
            ByteBuffer inside = cache.slice("seg.log", CHUNK + 10, 500, object.length);
            assertThat(bytes(inside)).isEqualTo(Arrays.copyOfRange(object, CHUNK + 10, CHUNK + 510));
            ByteBuffer again = cache.slice("seg.log", CHUNK + 10, 500, object.length);
            assertThat(again.hasArray() && again.array() == inside.array())
                    .as("the second slice is a view of the same cached chunk, not a copy").isTrue();

            ByteBuffer across = cache.slice("seg.log", 2L * CHUNK - 100, 300, object.length);
            assertThat(bytes(across)).isEqualTo(Arrays.copyOfRange(object, 2 * CHUNK - 100, 2 * CHUNK + 200));

            ByteBuffer pastTheEnd = cache.slice("seg.log", 3L * CHUNK - 50, 500, object.length);
            assertThat(bytes(pastTheEnd)).as("fewer bytes at the end of the object")
                    .isEqualTo(Arrays.copyOfRange(object, 3 * CHUNK - 50, 3 * CHUNK));
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** Counts ranged GETs on the way to a real store. */
    static final class CountingStore implements ObjectStore {
        final ObjectStore delegate;
        final AtomicInteger ranges = new AtomicInteger();
        final AtomicInteger maxChunkRequested = new AtomicInteger();

        CountingStore(ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public byte[] getRange(String key, long offset, int length) {
            ranges.incrementAndGet();
            maxChunkRequested.accumulateAndGet((int) (offset / CHUNK), Math::max);
            return delegate.getRange(key, offset, length);
        }

        @Override
        public void put(String key, Path file) {
            delegate.put(key, file);
        }

        @Override
        public void put(String key, byte[] bytes) {
            delegate.put(key, bytes);
        }

        @Override
        public byte[] get(String key) {
            return delegate.get(key);
        }

        @Override
        public List<ObjectInfo> list(String prefix) {
            return delegate.list(prefix);
        }

        @Override
        public List<String> listPrefixes(String prefix) {
            return delegate.listPrefixes(prefix);
        }

        @Override
        public void delete(Collection<String> keys) {
            delegate.delete(keys);
        }

        @Override
        public String describe() {
            return "counting " + delegate.describe();
        }
    }
}
