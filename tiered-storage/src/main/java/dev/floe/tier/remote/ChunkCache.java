package dev.floe.tier.remote;

import dev.floe.tier.store.ObjectStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A bounded LRU of fixed-size chunks of remote objects. A read of a few bytes fetches the whole aligned chunk
 * with one ranged GET, and the next few chunks of the same object are fetched in the background, so a consumer
 * catching up sequentially finds its next bytes already here instead of waiting one round trip per chunk.
 * Concurrent readers of a chunk share one GET.
 */
public final class ChunkCache implements AutoCloseable {
    /** Chunks fetched ahead of a reader unless told otherwise. */
    static final int READ_AHEAD_CHUNKS = 4;
    /** Threads fetching ahead: GETs wait on the network, so more than the cores; several partitions share them. */
    private static final int READ_AHEAD_THREADS = 8;

    private record ChunkKey(String key, long index) {
    }

    private final ObjectStore store;
    private final int chunkSize;
    private final long capacityBytes;
    private final int readAheadChunks;
    private final LinkedHashMap<ChunkKey, byte[]> chunks = new LinkedHashMap<>(16, 0.75f, true);
    private long sizeBytes;
    private final Counter hits;
    private final Counter misses;
    private final Counter fetchedBytes;
    private final Timer getLatency;
    private final Timer inFlightWait;
    private final Map<ChunkKey, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService readAhead = Executors.newFixedThreadPool(READ_AHEAD_THREADS, r -> {
        Thread t = new Thread(r, "floe-tier-read-ahead");
        t.setDaemon(true);
        return t;
    });

    public ChunkCache(ObjectStore store, int chunkSize, long capacityBytes, MeterRegistry registry) {
        this(store, chunkSize, READ_AHEAD_CHUNKS, capacityBytes, registry);
    }

    public ChunkCache(ObjectStore store, int chunkSize, int readAheadChunks, long capacityBytes, MeterRegistry registry) {
        this.readAheadChunks = readAheadChunks;
        this.store = store;
        this.chunkSize = chunkSize;
        this.capacityBytes = capacityBytes;
        hits = Counter.builder("floe.tier.cache.hits").register(registry);
        misses = Counter.builder("floe.tier.cache.misses").register(registry);
        fetchedBytes = Counter.builder("floe.tier.remote.read.bytes").baseUnit("bytes")
                .description("Bytes fetched from object storage with ranged reads").register(registry);
        Gauge.builder("floe.tier.cache.size", this, c -> c.sizeBytes).baseUnit("bytes").register(registry);
        Gauge.builder("floe.tier.cache.hit.ratio", this, ChunkCache::hitRatio)
                .description("Chunk reads served from memory (or from a GET already in flight) since start").register(registry);
        inFlightWait = Timer.builder("floe.tier.cache.inflight.wait")
                .description("Time readers waited for a chunk already being fetched (counted as hits): read-ahead "
                        + "that started but had not finished").register(registry);
        getLatency = Timer.builder("floe.tier.get.latency").description("Ranged GETs of remote chunks")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    /** {@code length} bytes of {@code key} from {@code position}, fewer past the end of the object. */
    public byte[] read(String key, long position, int length) {
        return read(key, position, length, -1);
    }

    /**
     * As {@link #read(String, long, int)}, for an object of known size: the chunks after the last one read are
     * fetched ahead, up to the end of the object.
     */
    public byte[] read(String key, long position, int length, long objectSize) {
        byte[] bytes = readChunks(key, position, length);
        prefetchAfter(key, position, length, objectSize);
        return bytes;
    }

    private void prefetchAfter(String key, long position, int length, long objectSize) {
        if (objectSize > 0) {
            long next = (position + Math.max(length, 1) - 1) / chunkSize + 1;
            for (long i = next; i < next + readAheadChunks && i * chunkSize < objectSize; i++) {
                prefetch(key, i);
            }
        }
    }

    /**
     * As {@link #read(String, long, int, long)}, but a range inside one chunk comes back as a view of the cached
     * chunk instead of a copy: a catch-up read hands megabytes a second to the network, and copying each of them once
     * more was half of what the broker allocated. Callers must not write to the buffer (the chunk is shared).
     */
    public ByteBuffer slice(String key, long position, int length, long objectSize) {
        long index = position / chunkSize;
        if (length <= 0 || (position + length - 1) / chunkSize != index) {
            return ByteBuffer.wrap(read(key, position, length, objectSize));
        }
        byte[] chunk = chunk(key, index);
        prefetchAfter(key, position, length, objectSize);
        int from = (int) (position - index * chunkSize);
        if (from >= chunk.length) {
            return ByteBuffer.allocate(0);
        }
        return ByteBuffer.wrap(chunk, from, Math.min(length, chunk.length - from)).slice();
    }

    /** Where the chunk holding {@code position} ends: a read that stops there can be served without a copy. */
    public long chunkEnd(long position) {
        return (position / chunkSize + 1) * chunkSize;
    }

    public int chunkSize() {
        return chunkSize;
    }

    private byte[] readChunks(String key, long position, int length) {
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
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> pending = inFlight.putIfAbsent(ck, mine);
        if (pending != null) {
            // Being fetched ahead (or by another reader): wait for that GET rather than issue a second one.
            hits.increment();
            long started = System.nanoTime();
            try {
                return pending.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            } finally {
                inFlightWait.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        }
        misses.increment();
        return fetchInto(ck, mine);
    }

    private void prefetch(String key, long index) {
        ChunkKey ck = new ChunkKey(key, index);
        synchronized (this) {
            if (chunks.containsKey(ck)) {
                return;
            }
        }
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        if (inFlight.putIfAbsent(ck, mine) != null) {
            return;
        }
        try {
            readAhead.execute(() -> {
                try {
                    fetchInto(ck, mine);
                } catch (RuntimeException ignored) {
                    // A failed read-ahead is retried by the reader that needs the chunk, which reports the error.
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            inFlight.remove(ck, mine);
            mine.cancel(false);
        }
    }

    private byte[] fetchInto(ChunkKey ck, CompletableFuture<byte[]> future) {
        byte[] fetched;
        try {
            long started = System.nanoTime();
            fetched = store.getRange(ck.key(), ck.index() * chunkSize, chunkSize);
            getLatency.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            inFlight.remove(ck, future);
            future.completeExceptionally(e);
            throw e;
        }
        fetchedBytes.increment(fetched.length);
        put(ck, fetched);
        inFlight.remove(ck, future);
        future.complete(fetched);
        return fetched;
    }

    private void put(ChunkKey ck, byte[] fetched) {
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
    }

    private double hitRatio() {
        double all = hits.count() + misses.count();
        return all == 0 ? 0 : hits.count() / all;
    }

    @Override
    public void close() {
        readAhead.shutdownNow();
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
