package dev.floe.tier.remote;

import dev.floe.tier.store.ObjectStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded LRU of fixed-size chunks of remote objects. A read of a few bytes fetches the whole aligned chunk
 * with one ranged GET, so a consumer catching up sequentially reads ahead and pays one request per chunk.
 */
public final class ChunkCache {
    private record ChunkKey(String key, long index) {
    }

    private final ObjectStore store;
    private final int chunkSize;
    private final long capacityBytes;
    private final LinkedHashMap<ChunkKey, byte[]> chunks = new LinkedHashMap<>(16, 0.75f, true);
    private long sizeBytes;
    private final Counter hits;
    private final Counter misses;
    private final Counter fetchedBytes;

    public ChunkCache(ObjectStore store, int chunkSize, long capacityBytes, MeterRegistry registry) {
        this.store = store;
        this.chunkSize = chunkSize;
        this.capacityBytes = capacityBytes;
        hits = Counter.builder("floe.tier.cache.hits").register(registry);
        misses = Counter.builder("floe.tier.cache.misses").register(registry);
        fetchedBytes = Counter.builder("floe.tier.remote.read.bytes").baseUnit("bytes")
                .description("Bytes fetched from object storage with ranged reads").register(registry);
        Gauge.builder("floe.tier.cache.size", this, c -> c.sizeBytes).baseUnit("bytes").register(registry);
    }

    /** {@code length} bytes of {@code key} from {@code position}, fewer past the end of the object. */
    public byte[] read(String key, long position, int length) {
        byte[] out = new byte[length];
        int filled = 0;
        while (filled < length) {
            long at = position + filled;
            long index = at / chunkSize;
            byte[] chunk = chunk(key, index);
            int from = (int) (at - index * chunkSize);
            if (from >= chunk.length) {
                break;
            }
            int n = Math.min(length - filled, chunk.length - from);
            System.arraycopy(chunk, from, out, filled, n);
            filled += n;
            if (chunk.length < chunkSize) {
                break;
            }
        }
        if (filled < length) {
            byte[] shorter = new byte[filled];
            System.arraycopy(out, 0, shorter, 0, filled);
            return shorter;
        }
        return out;
    }

    private byte[] chunk(String key, long index) {
        ChunkKey ck = new ChunkKey(key, index);
        synchronized (this) {
            byte[] cached = chunks.get(ck);
            if (cached != null) {
                hits.increment();
                return cached;
            }
        }
        misses.increment();
        byte[] fetched = store.getRange(key, index * chunkSize, chunkSize);
        fetchedBytes.increment(fetched.length);
        synchronized (this) {
            if (chunks.put(ck, fetched) == null) {
                sizeBytes += fetched.length;
            }
            var it = chunks.entrySet().iterator();
            while (sizeBytes > capacityBytes && it.hasNext()) {
                Map.Entry<ChunkKey, byte[]> eldest = it.next();
                sizeBytes -= eldest.getValue().length;
                it.remove();
            }
        }
        return fetched;
    }

    /** Forget every chunk of an object (it was deleted). */
    public synchronized void evict(String key) {
        var it = chunks.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<ChunkKey, byte[]> e = it.next();
            if (e.getKey().key().equals(key)) {
                sizeBytes -= e.getValue().length;
                it.remove();
            }
        }
    }
}
