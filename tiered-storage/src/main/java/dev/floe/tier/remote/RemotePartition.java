package dev.floe.tier.remote;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;
import dev.floe.tier.txn.AbortedTxn;
import dev.floe.tier.txn.TxnIndexFormat;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One partition's segments in object storage: upload (data first, manifest last), list, ranged reads of whole
 * batches guided by the uploaded offset index, timestamp lookups, deletion and garbage collection.
 * Thread-safe; several partitions are read in parallel by the broker.
 */
public final class RemotePartition {
    private static final Logger LOG = LoggerFactory.getLogger(RemotePartition.class);
    private static final int OFFSET_INDEX_ENTRY = 8;
    private static final int TIME_INDEX_ENTRY = 12;
    private static final int UPLOAD_ATTEMPTS = 3;

    private final ObjectStore store;
    private final ChunkCache cache;
    private final ObjectMapper json;
    private final String cluster;
    private final String topic;
    private final String topicId;
    private final int partition;
    private final String prefix;
    private final RemoteLogStart logStart;
    private final Map<String, SegmentManifest> manifests = new ConcurrentHashMap<>();
    /** Size of each manifest object when read: a listing that shows another size means it was rewritten. */
    private final Map<String, Long> manifestSizes = new ConcurrentHashMap<>();
    /**
     * Offset and time indexes of recently read segments. Bounded: an index is 8 bytes per batch, megabytes for a
     * 1 GiB segment of small batches, and a catch-up read touches every segment once.
     */
    public static final int MAX_CACHED_INDEXES = 8;
    private final Map<String, ByteBuffer> indexes = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ByteBuffer> eldest) {
            return size() > MAX_CACHED_INDEXES;
        }
    };

    RemotePartition(ObjectStore store, ChunkCache cache, ObjectMapper json, String cluster, String topic, String topicId,
                    int partition) {
        this.store = store;
        this.cache = cache;
        this.json = json;
        this.cluster = cluster;
        this.topic = topic;
        this.topicId = topicId;
        this.partition = partition;
        this.prefix = RemoteLayout.partitionPrefix(cluster, topic, topicId, partition);
        this.logStart = new RemoteLogStart(store, prefix);
    }

    /** The log start offset DeleteRecords moved the partition to, as of the last listing or advance; -1 if never. */
    public long logStart() {
        return logStart.get();
    }

    /**
     * Move the partition's log start up to {@code offset} (DeleteRecords), durably, before the caller answers:
     * records below it must stay hidden from every later reader of the bucket. Returns the start now in force.
     */
    public long advanceLogStart(long offset) {
        return logStart.advance(offset);
    }

    public String prefix() {
        return prefix;
    }

    /**
     * Upload a sealed segment: log and indexes first, then the manifest that commits them. Re-uploading the same
     * segment rewrites identical objects, so a retry after a failure half way is harmless.
     */
    public SegmentManifest upload(SegmentUpload upload) {
        String logKey = RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.LOG);
        String indexKey = RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.INDEX);
        String timeKey = RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.TIME_INDEX);
        String producersKey = upload.producerSnapshot() == null ? null
                : RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.PRODUCER_SNAPSHOT);
        String txnKey = upload.txnIndex() == null ? null
                : RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.TXN_INDEX);
        SegmentManifest manifest;
        try {
            manifest = new SegmentManifest(SegmentManifest.FORMAT_VERSION, cluster, topic, topicId, partition,
                    upload.baseOffset(), upload.lastOffset(), upload.maxTimestamp(), java.nio.file.Files.size(upload.log()),
                    upload.leaderEpoch(), System.currentTimeMillis(), logKey, indexKey, timeKey, producersKey, txnKey);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read segment file " + upload.log() + ": " + e.getMessage(), e);
        }
        withRetries("upload of segment " + upload.baseOffset() + " of " + prefix, () -> {
            store.put(logKey, upload.log());
            store.put(indexKey, upload.offsetIndex());
            store.put(timeKey, upload.timeIndex());
            if (producersKey != null) {
                store.put(producersKey, upload.producerSnapshot());
            }
            if (txnKey != null) {
                store.put(txnKey, upload.txnIndex());
            }
            store.put(RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.MANIFEST), json.writeValueAsBytes(manifest));
            return null;
        });
        manifests.put(RemoteLayout.objectKey(prefix, upload.baseOffset(), RemoteLayout.MANIFEST), manifest);
        listed = null;
        return manifest;
    }

    private interface Attempt<T> {
        T run() throws IOException;
    }

    private static <T> T withRetries(String what, Attempt<T> attempt) {
        ObjectStoreException last = null;
        for (int i = 1; i <= UPLOAD_ATTEMPTS; i++) {
            try {
                return attempt.run();
            } catch (ObjectStoreException e) {
                last = e;
                LOG.warn("{} failed (attempt {} of {}): {}", what, i, UPLOAD_ATTEMPTS, e.getMessage());
                if (i < UPLOAD_ATTEMPTS) {
                    sleep(200L << i);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(what + " failed: " + e.getMessage(), e);
            }
        }
        throw last;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ObjectStoreException("interrupted while retrying");
        }
    }

    /**
     * How long a listing stands in for a fresh one on the read path. A catch-up read asks for the segment list on
     * every fetch; listing the bucket each time would cost more than the data. This process's own uploads and
     * deletions drop the listing at once; an offset the listing does not cover triggers a fresh one.
     */
    static final long LISTING_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    private volatile List<SegmentManifest> listed;
    private volatile long listedAtNanos;

    private List<SegmentManifest> recentSegments() {
        List<SegmentManifest> recent = listed;
        if (recent != null && System.nanoTime() - listedAtNanos < LISTING_TTL_NANOS) {
            return recent;
        }
        return segments();
    }

    /** Committed segments (those with a manifest), oldest first, listed from the store now. */
    public List<SegmentManifest> segments() {
        List<SegmentManifest> out = new ArrayList<>();
        Set<String> present = new HashSet<>();
        boolean logStartPresent = false;
        for (ObjectStore.ObjectInfo info : store.list(prefix)) {
            logStartPresent |= logStart.isKey(info.key());
            if (!info.key().endsWith("." + RemoteLayout.MANIFEST)) {
                continue;
            }
            present.add(info.key());
            SegmentManifest known = manifests.get(info.key());
            if (known == null || !Long.valueOf(info.size()).equals(manifestSizes.get(info.key()))) {
                // New, or rewritten by compaction (possibly by another broker) since it was read.
                known = loadManifest(info.key());
                manifests.put(info.key(), known);
                manifestSizes.put(info.key(), info.size());
            }
            out.add(known);
        }
        manifests.keySet().retainAll(present);
        manifestSizes.keySet().retainAll(present);
        out.sort(Comparator.comparingLong(SegmentManifest::baseOffset));
        logStart.refresh(logStartPresent);
        List<SegmentManifest> listing = List.copyOf(out);
        listedAtNanos = System.nanoTime();
        listed = listing;
        return out;
    }

    private SegmentManifest loadManifest(String key) {
        try {
            return json.readValue(store.get(key), SegmentManifest.class);
        } catch (IOException e) {
            throw new ObjectStoreException("manifest " + key + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The segment holding {@code offset}, or the first one after it: compaction leaves gaps (a segment whose records
     * were all replaced leaves the listing), and a reader in a gap goes on with the next records, as in Kafka. That
     * includes a gap before the first segment: a broker whose cached start predates a removal reads on from there.
     */
    private SegmentManifest segmentFor(long offset, List<SegmentManifest> segments) {
        for (SegmentManifest m : segments) {
            if (offset <= m.lastOffset()) {
                return m;
            }
        }
        return null;
    }

    private ByteBuffer index(String key) {
        synchronized (indexes) {
            ByteBuffer cached = indexes.get(key);
            if (cached != null) {
                return cached.duplicate();
            }
        }
        // Fetched outside the lock; two readers may both fetch a missing index, which costs one extra GET.
        ByteBuffer fetched = ByteBuffer.wrap(store.get(key));
        synchronized (indexes) {
            indexes.put(key, fetched);
        }
        return fetched.duplicate();
    }

    /** How many segment indexes are held in memory now (at most {@link #MAX_CACHED_INDEXES}). */
    public int cachedIndexes() {
        synchronized (indexes) {
            return indexes.size();
        }
    }

    /**
     * The committed segment at {@code baseOffset}, from the manifests this partition already holds (its own
     * uploads and earlier listings), listing the store only when it has none: retention deleting segment after
     * segment costs no LIST per segment. Null when there is no such segment.
     */
    public SegmentManifest manifest(long baseOffset) {
        SegmentManifest known = manifests.get(RemoteLayout.objectKey(prefix, baseOffset, RemoteLayout.MANIFEST));
        if (known != null) {
            return known;
        }
        for (SegmentManifest m : segments()) {
            if (m.baseOffset() == baseOffset) {
                return m;
            }
        }
        return null;
    }

    /** Byte position of the last indexed batch at or before {@code offset}. */
    private long indexedPosition(SegmentManifest m, long offset) {
        ByteBuffer index = index(m.indexKey());
        int entries = index.limit() / OFFSET_INDEX_ENTRY;
        int lo = 0;
        int hi = entries - 1;
        long position = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long key = m.baseOffset() + index.getInt(mid * OFFSET_INDEX_ENTRY);
            if (key <= offset) {
                position = index.getInt(mid * OFFSET_INDEX_ENTRY + 4);
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return position;
    }

    private BatchBoundary header(SegmentManifest m, long position) {
        byte[] bytes = cache.read(m.logKey(), position, BatchBoundary.HEADER_SIZE, m.sizeBytes());
        return bytes.length < BatchBoundary.HEADER_SIZE ? null : BatchBoundary.read(ByteBuffer.wrap(bytes), 0);
    }

    /**
     * Whole batches from the one holding {@code offset}, about {@code maxBytes} of them (always at least one),
     * or an empty buffer when no committed segment holds the offset.
     */
    public ByteBuffer read(long offset, int maxBytes) {
        try {
            return read(offset, maxBytes, recentSegments());
        } catch (ObjectStoreException e) {
            // A listing up to LISTING_TTL old may name objects a compaction rewrite (possibly by another broker)
            // has deleted since: read once more from a fresh listing before giving up.
            return read(offset, maxBytes, segments());
        }
    }

    private ByteBuffer read(long offset, int maxBytes, List<SegmentManifest> segments) {
        SegmentManifest m = segmentFor(offset, segments);
        if (m == null) {
            segments = segments();
            m = segmentFor(offset, segments);
        }
        while (m != null) {
            ByteBuffer found = read(m, Math.max(offset, m.baseOffset()), maxBytes);
            if (found.hasRemaining()) {
                return found;
            }
            // Compaction removed every batch from the offset to this segment's end: go on with the next segment.
            m = segmentFor(m.lastOffset() + 1, segments);
        }
        return ByteBuffer.allocate(0);
    }

    private ByteBuffer read(SegmentManifest m, long offset, int maxBytes) {
        long position = indexedPosition(m, offset);
        BatchBoundary batch = header(m, position);
        while (batch != null && batch.lastOffset() < offset) {
            position += batch.size();
            batch = header(m, position);
        }
        if (batch == null) {
            return ByteBuffer.allocate(0);
        }
        long start = position;
        long end = position + batch.size();
        // A read smaller than a chunk stops at the end of the chunk it starts in when at least one batch fits there,
        // so it is served as a view of the cached chunk, not a copy; the next read starts in the next chunk.
        long chunkEnd = cache.chunkEnd(start);
        long limit = maxBytes < cache.chunkSize() && end <= chunkEnd ? Math.min(start + maxBytes, chunkEnd)
                : start + maxBytes;
        while (true) {
            BatchBoundary next = header(m, end);
            if (next == null || end + next.size() > limit) {
                break;
            }
            end += next.size();
        }
        return cache.slice(m.logKey(), start, (int) (end - start), m.sizeBytes());
    }

    /** The producer state as of the end of segment {@code m}, as the broker wrote it, or null when none was uploaded. */
    public byte[] producerSnapshot(SegmentManifest m) {
        return m.producerSnapshotKey() == null ? null : store.get(m.producerSnapshotKey());
    }

    /**
     * The aborted transactions a read_committed reader of [{@code from}, {@code upTo}) must be told about, from the
     * txn indexes uploaded with the segments at or after the one holding {@code from}, oldest first. An entry sits
     * in the segment of its ABORT marker, which may be far after the records, so later indexes are read too until
     * one entry shows every earlier transaction was decided ({@link TxnIndexFormat#completes}). When the bucket
     * runs out first, the result is {@code complete() == false}: the rest is in the broker's local segments.
     */
    public AbortedTxns abortedTransactions(long from, long upTo) {
        List<AbortedTxn> found = new ArrayList<>();
        for (SegmentManifest m : recentSegments()) {
            if (m.lastOffset() < from || m.txnIndexKey() == null) {
                continue;
            }
            for (AbortedTxn txn : TxnIndexFormat.decode(index(m.txnIndexKey()))) {
                if (TxnIndexFormat.overlaps(txn, from, upTo)) {
                    found.add(txn);
                }
                if (TxnIndexFormat.completes(txn, upTo)) {
                    found.sort(Comparator.comparingLong(AbortedTxn::firstOffset));
                    return new AbortedTxns(found, true);
                }
            }
        }
        found.sort(Comparator.comparingLong(AbortedTxn::firstOffset));
        return new AbortedTxns(found, false);
    }

    /** Aborted transactions found in the bucket; {@code complete} when no later index can add one. */
    public record AbortedTxns(List<AbortedTxn> txns, boolean complete) {
    }

    /** The first record with timestamp >= {@code timestamp}: {offset, timestamp}, or null when none is. */
    public long[] offsetForTimestamp(long timestamp) {
        for (SegmentManifest m : segments()) {
            if (m.maxTimestamp() < timestamp) {
                continue;
            }
            long position = indexedPosition(m, scanStart(m, timestamp));
            while (position < m.sizeBytes()) {
                BatchBoundary batch = header(m, position);
                if (batch == null) {
                    break;
                }
                if (batch.maxTimestamp() >= timestamp) {
                    ByteBuffer bytes = ByteBuffer.wrap(cache.read(m.logKey(), position, batch.size()));
                    for (RecordBatch b : MemoryRecords.readableRecords(bytes).batches()) {
                        for (Record r : b) {
                            long ts = b.timestampType() == TimestampType.LOG_APPEND_TIME ? b.maxTimestamp() : r.timestamp();
                            if (ts >= timestamp) {
                                return new long[]{r.offset(), ts};
                            }
                        }
                    }
                }
                position += batch.size();
            }
        }
        return null;
    }

    /** Offset to start scanning from: the time-index entry just before the first that reaches the timestamp. */
    private long scanStart(SegmentManifest m, long timestamp) {
        ByteBuffer index = index(m.timeIndexKey());
        long start = m.baseOffset();
        for (int i = 0; i + TIME_INDEX_ENTRY <= index.limit(); i += TIME_INDEX_ENTRY) {
            if (index.getLong(i) >= timestamp) {
                break;
            }
            start = m.baseOffset() + index.getInt(i + 8);
        }
        return start;
    }

    /** Delete a segment: the manifest first (uncommitting it), then its data. */
    public synchronized void delete(SegmentManifest m) {
        String manifestKey = RemoteLayout.objectKey(prefix, m.baseOffset(), RemoteLayout.MANIFEST);
        store.delete(List.of(manifestKey));
        listed = null;
        manifests.remove(manifestKey);
        deleteData(m.dataKeys());
    }

    private void deleteData(List<String> keys) {
        store.delete(keys);
        synchronized (indexes) {
            indexes.keySet().removeAll(keys);
        }
        keys.forEach(cache::evict);
    }

    /** The whole log object of a committed segment (a compaction rewrite filters it in memory). */
    public ByteBuffer download(SegmentManifest m) {
        return ByteBuffer.wrap(store.get(m.logKey()));
    }

    /**
     * Replace a committed segment's records with {@code records} (a compaction of them: same offsets, some records
     * removed). The new log and indexes go up under the keys of the next generation, then the manifest is
     * rewritten to point at them (the commit), and only then are the old generation's objects deleted. A crash
     * before the commit leaves new objects no manifest names, a crash after it leaves old ones: either way
     * {@link #collectGarbage} removes them later, and the committed manifest always names complete objects.
     * Empty {@code records} remove the segment from the listing (manifest first). Returns the new manifest, or null
     * when the segment was removed.
     */
    public synchronized SegmentManifest rewrite(SegmentManifest old, ByteBuffer records) {
        String manifestKey = RemoteLayout.objectKey(prefix, old.baseOffset(), RemoteLayout.MANIFEST);
        if (!old.equals(manifests.get(manifestKey))) {
            // Deleted by retention or rewritten since the caller read it: committing now would resurrect or undo.
            throw new IllegalStateException("segment " + old.baseOffset() + " of " + prefix
                    + " changed while it was being rewritten");
        }
        if (!records.hasRemaining()) {
            delete(old);
            return null;
        }
        RemoteIndexes.Built built = RemoteIndexes.build(old.baseOffset(), records, RemoteIndexes.INTERVAL_BYTES);
        if (built.lastOffset() > old.lastOffset()) {
            throw new IllegalArgumentException("rewrite of segment " + old.baseOffset() + " holds offset "
                    + built.lastOffset() + " beyond its last offset " + old.lastOffset());
        }
        int generation = RemoteLayout.generationOf(old.logKey()) + 1;
        byte[] log = new byte[records.remaining()];
        records.duplicate().get(log);
        SegmentManifest rewritten = old.rewritten(
                built.maxTimestamp() == RecordBatch.NO_TIMESTAMP ? old.maxTimestamp() : built.maxTimestamp(),
                log.length, System.currentTimeMillis(),
                RemoteLayout.objectKey(prefix, old.baseOffset(), generation, RemoteLayout.LOG),
                RemoteLayout.objectKey(prefix, old.baseOffset(), generation, RemoteLayout.INDEX),
                RemoteLayout.objectKey(prefix, old.baseOffset(), generation, RemoteLayout.TIME_INDEX));
        withRetries("rewrite of segment " + old.baseOffset() + " of " + prefix, () -> {
            store.put(rewritten.logKey(), log);
            store.put(rewritten.indexKey(), built.offsetIndex());
            store.put(rewritten.timeIndexKey(), built.timeIndex());
            store.put(manifestKey, json.writeValueAsBytes(rewritten));
            return null;
        });
        manifests.put(manifestKey, rewritten);
        listed = null;
        List<String> superseded = new ArrayList<>(old.dataKeys());
        superseded.removeAll(rewritten.dataKeys());
        try {
            deleteData(superseded);
        } catch (ObjectStoreException e) {
            LOG.warn("old objects of rewritten segment {} of {} stay until garbage collection: {}", old.baseOffset(),
                    prefix, e.getMessage());
        }
        return rewritten;
    }

    /**
     * Remove data objects that no committed manifest names: left by an upload or a compaction rewrite that failed
     * half way, or the old generation of a rewrite whose deletion failed. Must not run while this partition is
     * being uploaded or rewritten (the broker runs both on its single upload thread for the partition's leader).
     */
    public int collectGarbage() {
        return collectGarbage(false);
    }

    /**
     * Remove only the objects of committed segments that their manifest does not name: what a compaction rewrite
     * left (a new generation never committed, or an old one not deleted). Safe while uploads of new segments run,
     * since those have no manifest yet and are left alone.
     */
    public synchronized int collectRewriteGarbage() {
        return collectGarbage(true);
    }

    private int collectGarbage(boolean committedSegmentsOnly) {
        Set<String> referenced = new HashSet<>();
        Set<Long> committed = new HashSet<>();
        for (SegmentManifest m : segments()) {
            referenced.addAll(m.dataKeys());
            committed.add(m.baseOffset());
        }
        List<ObjectStore.ObjectInfo> all = store.list(prefix);
        List<String> garbage = all.stream().map(ObjectStore.ObjectInfo::key)
                .filter(k -> RemoteLayout.baseOffsetOf(k) >= 0 && !k.endsWith("." + RemoteLayout.MANIFEST)
                        && !referenced.contains(k)
                        && (!committedSegmentsOnly || committed.contains(RemoteLayout.baseOffsetOf(k))))
                .toList();
        if (!garbage.isEmpty()) {
            store.delete(garbage);
            LOG.info("collected {} uncommitted objects under {}", garbage.size(), prefix);
        }
        return garbage.size();
    }
}
