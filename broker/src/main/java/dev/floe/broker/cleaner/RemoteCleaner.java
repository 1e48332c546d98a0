package dev.floe.broker.cleaner;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.LogSegment;
import dev.floe.broker.log.OffsetCheckpointFile;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.tier.RemoteSegmentRef;
import dev.floe.broker.tier.TieringService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Compacts the uploaded segments of tiered compacted topics in the bucket, so a key updated after its old value went
 * up disappears from the remote copy too. Per partition led here: the offset map is built from the dirty range (the
 * remote records from where the last remote clean ended, then the local records above the uploaded range, up to
 * the active segment and the high watermark); then every remote segment whose records the map supersedes (or whose
 * tombstones passed their delete horizon) is downloaded, filtered by the same {@link CleanFilter} as the local
 * cleaner, and rewritten in place through {@link TieringService#rewrite}: a new generation of objects, the manifest
 * as commit point, then the old generation deleted (crash safety is the tiered-storage library's, see
 * RemotePartition.rewrite). Where each partition's remote clean ended is kept in
 * {@code remote-cleaner-offset-checkpoint}, so a restart does not redo a pass.
 */
public final class RemoteCleaner implements AutoCloseable {
    public static final String CHECKPOINT_FILE = "remote-cleaner-offset-checkpoint";
    private static final Logger LOG = Logger.getLogger(RemoteCleaner.class);

    /** What one partition pass did. */
    public record Pass(TopicPartition partition, long endOffset, int segmentsRead, int segmentsRewritten,
                       int segmentsRemoved, long bytesRead, long bytesWritten, long millis) {
    }

    private final LogManager logs;
    private final TieringService tiering;
    private final Function<TopicPartition, CompactionSettings> settingsOf;
    private final CleanerConfig config;
    private final LongSupplier clock;
    private final OffsetMap map;
    private final Map<String, Long> checkpoint;
    /** Per partition, the earliest delete horizon of a tombstone kept remotely by the last pass (memory only). */
    private final Map<TopicPartition, Long> horizons = new ConcurrentHashMap<>();
    private final Counter rewritten;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Counter passes;
    private final AtomicLong lastPassMillis = new AtomicLong();
    private volatile boolean stopping;

    public RemoteCleaner(LogManager logs, TieringService tiering, Function<TopicPartition, CompactionSettings> settingsOf,
                         CleanerConfig config, LongSupplier clock, MeterRegistry registry) {
        this.logs = logs;
        this.tiering = tiering;
        this.settingsOf = settingsOf;
        this.config = config;
        this.clock = clock;
        this.map = new OffsetMap(config.dedupeBufferBytes());
        this.checkpoint = new HashMap<>(OffsetCheckpointFile.read(logs.dataDir(), CHECKPOINT_FILE));
        rewritten = Counter.builder("floe.cleaner.remote.segments.rewritten")
                .description("Remote segments rewritten (or removed) by compaction").register(registry);
        bytesRead = Counter.builder("floe.cleaner.remote.bytes.read").baseUnit("bytes")
                .description("Bytes of remote segments the remote cleaner downloaded").register(registry);
        bytesWritten = Counter.builder("floe.cleaner.remote.bytes.written").baseUnit("bytes")
                .description("Bytes of compacted remote segments uploaded").register(registry);
        passes = Counter.builder("floe.cleaner.remote.passes").description("Partition passes of the remote cleaner")
                .register(registry);
        Gauge.builder("floe.cleaner.remote.last.pass.duration", lastPassMillis, AtomicLong::get).baseUnit("milliseconds")
                .description("How long the last partition pass of the remote cleaner took").register(registry);
    }

    /** Look for work every backoff on {@code executor} (the cleaner's single thread, shared with the local one). */
    public void start(ScheduledExecutorService executor) {
        executor.scheduleWithFixedDelay(this::cleanDue, config.backoffMs(), config.backoffMs(), TimeUnit.MILLISECONDS);
    }

    private void cleanDue() {
        try {
            for (PartitionLog log : logs.all()) {
                if (stopping) {
                    return;
                }
                if (isDue(log)) {
                    clean(log.topicPartition());
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "remote cleaner pass failed; retrying after %d ms", config.backoffMs());
        }
    }

    /** A tiered compacted partition led here with enough new uploads, or with a tombstone past its horizon. */
    private boolean isDue(PartitionLog log) {
        TopicPartition tp = log.topicPartition();
        CompactionSettings settings = settingsOf.apply(tp);
        if (!settings.compact() || !log.config().remoteStorage() || !tiering.leads(tp)) {
            return false;
        }
        List<RemoteSegmentRef> segments = tiering.remoteSegments(tp);
        if (segments.isEmpty()) {
            return false;
        }
        long from = checkpointOf(tp, log);
        long dirty = 0;
        long total = 0;
        for (RemoteSegmentRef s : segments) {
            total += s.sizeBytes();
            if (s.lastOffset() >= from) {
                dirty += s.sizeBytes();
            }
        }
        boolean ratio = dirty > 0 && (double) dirty / total >= settings.minCleanableDirtyRatio();
        return ratio || horizons.getOrDefault(tp, Long.MAX_VALUE) <= clock.getAsLong();
    }

    /** One remote clean of this partition now, however dirty (tests and operators); null when it is not tiered here. */
    public synchronized Pass clean(TopicPartition tp) {
        PartitionLog log = logs.log(tp);
        if (log == null || !tiering.leads(tp) || tiering.remoteSegments(tp).isEmpty()) {
            return null;
        }
        long started = System.nanoTime();
        try {
            Pass pass = cleanPartition(tp, log, settingsOf.apply(tp), clock.getAsLong(), started);
            if (pass != null) {
                passes.increment();
                lastPassMillis.set(pass.millis());
                LOG.infof("%s: remote clean up to offset %d in %d ms: %d remote segment(s) read, %d rewritten, %d "
                                + "removed, %d bytes read, %d bytes written", tp, pass.endOffset(), pass.millis(),
                        pass.segmentsRead(), pass.segmentsRewritten(), pass.segmentsRemoved(), pass.bytesRead(),
                        pass.bytesWritten());
            }
            return pass;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s: remote clean failed, the bucket keeps its committed segments: %s", tp, e.getMessage());
            return null;
        }
    }

    private Pass cleanPartition(TopicPartition tp, PartitionLog log, CompactionSettings settings, long now,
                                long started) throws IOException {
        int garbage = tiering.collectRewriteGarbage(tp);
        if (garbage > 0) {
            LOG.infof("%s: removed %d objects interrupted remote cleans left", tp, garbage);
        }
        List<RemoteSegmentRef> segments = tiering.remoteSegments(tp);
        if (segments.isEmpty()) {
            // Remote retention removed the last segment since clean() looked: nothing to clean this pass.
            return null;
        }
        long from = checkpointOf(tp, log);
        long remoteEnd = segments.get(segments.size() - 1).lastOffset() + 1;
        long[] read = {0};
        map.clear();
        long end = mapRemote(tp, segments, from, read);
        if (end < 0) {
            return null;
        }
        if (end == remoteEnd) {
            end = mapLocal(log, remoteEnd);
        }
        if (end < 0) {
            return null;
        }
        CleanFilter filter = new CleanFilter(map, now, settings.deleteRetentionMs());
        int segmentsRead = 0;
        int segmentsRewritten = 0;
        int removed = 0;
        long written = 0;
        for (int i = 0; i < segments.size() && !stopping; i++) {
            RemoteSegmentRef segment = segments.get(i);
            if (segment.baseOffset() >= end) {
                break;
            }
            ByteBuffer original = tiering.download(tp, segment);
            segmentsRead++;
            read[0] += original.remaining();
            bytesRead.increment(original.remaining());
            ByteBuffer kept = filter(original.duplicate(), filter);
            if (kept.equals(original)) {
                continue;
            }
            if (!kept.hasRemaining() && i == segments.size() - 1) {
                // The newest remote segment stays even when empty of records: it marks how far the partition is
                // uploaded, which a broker that starts with an empty local log resumes from.
                continue;
            }
            RemoteSegmentRef after = tiering.rewrite(tp, segment, kept);
            rewritten.increment();
            bytesWritten.increment(kept.remaining());
            written += kept.remaining();
            if (after == null) {
                removed++;
            } else {
                segmentsRewritten++;
            }
        }
        if (stopping) {
            return null;
        }
        horizons.put(tp, filter.earliestHorizon());
        long cleanedThrough = Math.min(end, remoteEnd);
        saveCheckpoint(log, cleanedThrough);
        return new Pass(tp, cleanedThrough, segmentsRead, segmentsRewritten, removed, read[0], written,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /**
     * Map the keys of the remote records from {@code from} on. Returns the offset the map is complete up to
     * (exclusive): past the last remote segment, or where the map filled. -1 when stopping.
     */
    private long mapRemote(TopicPartition tp, List<RemoteSegmentRef> segments, long from, long[] read)
            throws IOException {
        for (RemoteSegmentRef segment : segments) {
            if (segment.lastOffset() < from) {
                continue;
            }
            if (stopping) {
                return -1;
            }
            ByteBuffer log = tiering.download(tp, segment);
            read[0] += log.remaining();
            bytesRead.increment(log.remaining());
            long full = put(log, from);
            if (full >= 0) {
                return full;
            }
        }
        return segments.get(segments.size() - 1).lastOffset() + 1;
    }

    /**
     * Map the keys of local records above the uploaded range in sealed segments below the high watermark: values
     * that replace remote ones before they are uploaded themselves. Returns where the map is complete to.
     */
    private long mapLocal(PartitionLog log, long from) throws IOException {
        long bound = Math.min(log.activeSegmentBase(), log.highWatermark());
        List<LogSegment> segments = log.segments();
        for (int i = 0; i + 1 < segments.size(); i++) {
            LogSegment segment = segments.get(i);
            if (segments.get(i + 1).baseOffset() > bound) {
                return Math.max(from, segment.baseOffset());
            }
            if (segments.get(i + 1).baseOffset() <= from) {
                continue;
            }
            int position = 0;
            while (position < segment.size()) {
                if (stopping) {
                    return -1;
                }
                ByteBuffer chunk = Cleaner.readWholeBatches(segment, position, config.ioBufferBytes());
                long full = put(chunk.duplicate(), from);
                if (full >= 0) {
                    return Math.max(from, full);
                }
                position += chunk.limit();
            }
        }
        return Math.max(from, Math.min(bound, segments.get(segments.size() - 1).baseOffset()));
    }

    /** Put the keys of records at or after {@code from}; the offset where the map filled, or -1. */
    private long put(ByteBuffer records, long from) {
        for (RecordBatch batch : MemoryRecords.readableRecords(records).batches()) {
            if (batch.isControlBatch() || batch.lastOffset() < from) {
                continue;
            }
            for (Record record : batch) {
                if (record.offset() < from || !record.hasKey()) {
                    continue;
                }
                if (map.isFull()) {
                    return record.offset();
                }
                map.put(record.key(), record.offset());
            }
        }
        return -1;
    }

    private static ByteBuffer filter(ByteBuffer records, CleanFilter filter) {
        ByteBuffer out = ByteBuffer.allocate(records.remaining());
        MemoryRecords.FilterResult result = MemoryRecords.readableRecords(records)
                .filterTo(filter, out, BufferSupplier.NO_CACHING);
        ByteBuffer kept = result.outputBuffer();
        kept.flip();
        return kept;
    }

    private long checkpointOf(TopicPartition tp, PartitionLog log) {
        synchronized (checkpoint) {
            return checkpoint.getOrDefault(log.dir().getFileName().toString(), -1L);
        }
    }

    private void saveCheckpoint(PartitionLog log, long offset) {
        synchronized (checkpoint) {
            checkpoint.put(log.dir().getFileName().toString(), offset);
            Map<String, Long> live = new HashMap<>();
            for (PartitionLog l : logs.all()) {
                String dir = l.dir().getFileName().toString();
                if (checkpoint.containsKey(dir)) {
                    live.put(dir, checkpoint.get(dir));
                }
            }
            try {
                OffsetCheckpointFile.write(logs.dataDir(), CHECKPOINT_FILE, live);
            } catch (IOException e) {
                LOG.warnf("cannot write %s (the next start cleans the remote segments again): %s", CHECKPOINT_FILE,
                        e.getMessage());
            }
        }
    }

    /** Stop at the next segment: a rewrite under way finishes or leaves only garbage. */
    @Override
    public void close() {
        stopping = true;
    }
}
