package dev.floe.broker.cleaner;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.OffsetCheckpointFile;
import dev.floe.broker.log.PartitionLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The background log cleaner: on its own thread, repeatedly picks the compacted partition most in need
 * (max.compaction.lag.ms overdue first, then the highest dirty ratio at or above min.cleanable.dirty.ratio, then one
 * whose tombstones' delete horizon has passed) and cleans it. Where each partition's last clean ended is kept in
 * {@code cleaner-offset-checkpoint} in the data directory, so a restart does not re-read clean data as dirty.
 * Partitions of tiered topics are cleaned too, segment by segment (see settingsOf); their uploaded copies are
 * compacted in the bucket by {@link RemoteCleaner}.
 */
public final class LogCleaner implements AutoCloseable {
    public static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    private static final Logger LOG = Logger.getLogger(LogCleaner.class);

    /** One clean, for logs and tests. */
    public record Summary(TopicPartition partition, long endOffset, long bytesRead, long bytesWritten,
                          long recordsRead, long recordsKept, int segmentsBefore, int segmentsAfter, long millis,
                          boolean aborted) {
    }

    private final LogManager logs;
    private final Function<TopicPartition, CompactionSettings> settingsOf;
    private final CleanerConfig config;
    private final LongSupplier clock;
    private final Cleaner cleaner;
    private final Map<String, Long> checkpoint;
    /** Per partition, the earliest delete horizon of a tombstone the last clean kept (in memory only). */
    private final Map<TopicPartition, Long> horizons = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Double> dirtyRatios = new ConcurrentHashMap<>();
    private final Set<TopicPartition> gauged = ConcurrentHashMap.newKeySet();
    private final MeterRegistry registry;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Counter cleans;
    private final AtomicLong lastCleanTime = new AtomicLong();
    private volatile double progress;
    private volatile boolean stopping;

    /**
     * @param settingsOf the compaction settings of a partition's topic ({@link CompactionSettings#NONE} when not
     *                   compacted)
     * @param clock      wall-clock milliseconds (tests inject their own: lags and delete horizons are times)
     * @param registry   where metrics go; null for none
     */
    public LogCleaner(LogManager logs, Function<TopicPartition, CompactionSettings> settingsOf, CleanerConfig config,
                      LongSupplier clock, MeterRegistry registry) {
        this.logs = logs;
        this.settingsOf = settingsOf;
        this.config = config;
        this.clock = clock;
        this.registry = registry;
        Throttler throttler = config.ioMaxBytesPerSecond() > 0
                ? new Throttler(config.ioMaxBytesPerSecond(), System::nanoTime, Thread::sleep) : Throttler.unlimited();
        this.cleaner = new Cleaner(new OffsetMap(config.dedupeBufferBytes()), throttler, config.ioBufferBytes(),
                () -> stopping || Thread.currentThread().isInterrupted());
        this.checkpoint = new HashMap<>(OffsetCheckpointFile.read(logs.dataDir(), CHECKPOINT_FILE));
        if (registry != null) {
            bytesRead = Counter.builder("floe.cleaner.bytes.read").baseUnit("bytes")
                    .description("Bytes the log cleaner read").register(registry);
            bytesWritten = Counter.builder("floe.cleaner.bytes.written").baseUnit("bytes")
                    .description("Bytes of cleaned segments the log cleaner wrote").register(registry);
            cleans = Counter.builder("floe.cleaner.cleans").description("Partition cleans finished")
                    .register(registry);
            Gauge.builder("floe.cleaner.last.clean.time", lastCleanTime, AtomicLong::get)
                    .description("When the last clean finished (ms since the epoch, 0 for never)").register(registry);
            Gauge.builder("floe.cleaner.progress", this, c -> c.progress)
                    .description("Share of the running clean done (0 when idle)").register(registry);
            Gauge.builder("floe.cleaner.max.dirty.ratio", this, LogCleaner::maxDirtyRatio)
                    .description("Highest dirty ratio of any compacted partition").register(registry);
        } else {
            bytesRead = null;
            bytesWritten = null;
            cleans = null;
        }
    }

    /** Look for work every backoff on {@code executor} (the cleaner's own single thread). */
    public void start(ScheduledExecutorService executor) {
        executor.scheduleWithFixedDelay(this::cleanWhileNeeded, config.backoffMs(), config.backoffMs(),
                TimeUnit.MILLISECONDS);
        LOG.infof("log cleaner started: %d MiB key map, %s", config.dedupeBufferBytes() >> 20,
                config.ioMaxBytesPerSecond() > 0 ? "I/O throttled to " + config.ioMaxBytesPerSecond() + " bytes/s"
                        : "I/O not throttled");
    }

    /** Clean partitions one after another until none needs it (or one fails); then the scheduler waits a backoff. */
    private void cleanWhileNeeded() {
        try {
            Summary done = cleanOnce();
            // Keep going while cleans succeed; after an abandoned one (the log changed, a disk error) wait a
            // backoff rather than pick the same partition again at once.
            while (!stopping && done != null && !done.aborted()) {
                done = cleanOnce();
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "log cleaner pass failed; retrying after %d ms", config.backoffMs());
        }
    }

    /** Clean the partition most in need, if any; null when none needs cleaning. One clean at a time (one key map). */
    public synchronized Summary cleanOnce() {
        long now = clock.getAsLong();
        PartitionLog chosen = null;
        CleanableRange chosenRange = null;
        double best = -1;
        for (PartitionLog log : logs.all()) {
            TopicPartition tp = log.topicPartition();
            CompactionSettings settings = settingsOf(log);
            if (!settings.compact()) {
                dirtyRatios.remove(tp);
                continue;
            }
            CleanableRange range;
            try {
                range = CleanableRange.of(log, checkpointOf(log), settings, now);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("%s: cannot measure how dirty the log is: %s", tp, e.getMessage());
                continue;
            }
            gauge(tp);
            dirtyRatios.put(tp, range.dirtyRatio());
            double score;
            if (range.dirtyBytes() > 0 && range.maxLagExceeded()) {
                score = 2 + range.dirtyRatio();
            } else if (range.dirtyBytes() > 0 && range.dirtyRatio() >= settings.minCleanableDirtyRatio()) {
                score = 1 + range.dirtyRatio();
            } else if (horizons.getOrDefault(tp, Long.MAX_VALUE) <= now && !range.cleanable().isEmpty()) {
                score = 0;
            } else {
                continue;
            }
            if (score > best) {
                best = score;
                chosen = log;
                chosenRange = range;
            }
        }
        return chosen == null ? null : clean(chosen, chosenRange, now);
    }

    /** Clean this partition now, however dirty it is (tests and operators). */
    public synchronized Summary clean(TopicPartition tp) throws IOException {
        PartitionLog log = logs.log(tp);
        long now = clock.getAsLong();
        return clean(log, CleanableRange.of(log, checkpointOf(log), settingsOf(log), now), now);
    }

    private Summary clean(PartitionLog log, CleanableRange range, long now) {
        TopicPartition tp = log.topicPartition();
        long started = System.nanoTime();
        Cleaner.Result result;
        try {
            result = cleaner.clean(log, range, settingsOf(log), now, (done, total) ->
                    progress = total == 0 ? 0 : (double) done / total);
        } catch (IOException e) {
            LOG.errorf("%s: clean failed, the log keeps its old segments: %s", tp, e.getMessage());
            return new Summary(tp, range.firstDirty(), 0, 0, 0, 0, 0, 0, 0, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Summary(tp, range.firstDirty(), 0, 0, 0, 0, 0, 0, 0, true);
        } finally {
            progress = 0;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Summary summary = new Summary(tp, result.endOffset(), result.bytesRead(), result.bytesWritten(),
                result.recordsRead(), result.recordsKept(), result.segmentsBefore(), result.segmentsAfter(), millis,
                result.aborted());
        if (result.aborted()) {
            LOG.infof("%s: clean abandoned (the log changed under it or the broker is stopping); old segments kept",
                    tp);
            return summary;
        }
        horizons.put(tp, result.earliestDeleteHorizon());
        synchronized (checkpoint) {
            checkpoint.put(log.dir().getFileName().toString(), result.endOffset());
            writeCheckpoint();
        }
        lastCleanTime.set(clock.getAsLong());
        if (cleans != null) {
            cleans.increment();
            bytesRead.increment(result.bytesRead());
            bytesWritten.increment(result.bytesWritten());
        }
        dirtyRatios.put(tp, 0.0);
        double mbPerSec = millis == 0 ? 0 : result.bytesRead() / 1048576.0 / (millis / 1000.0);
        LOG.infof("%s: cleaned up to offset %d in %d ms (%.1f MB/s): %d segment(s) of %d bytes became %d of %d bytes,"
                        + " %d of %d records kept", tp, result.endOffset(), millis, mbPerSec, result.segmentsBefore(),
                result.bytesRead() - range.dirtyBytes(), result.segmentsAfter(), result.bytesWritten(),
                result.recordsKept(), result.recordsRead());
        return summary;
    }

    /**
     * A tiered log's segments are cleaned one by one, never merged: the upload bookkeeping goes by segment (a
     * segment counts as uploaded by its base and last offset), and a merge across an uploaded and a not yet uploaded
     * segment would upload overlapping ranges. Cleaning keeps a segment's base offset, so an uploaded one stays
     * uploaded and one not uploaded yet goes up compacted. The remote copies are compacted by {@link RemoteCleaner}.
     */
    private CompactionSettings settingsOf(PartitionLog log) {
        CompactionSettings settings = settingsOf.apply(log.topicPartition());
        return log.config().remoteStorage() ? settings.withoutMerging() : settings;
    }

    private long checkpointOf(PartitionLog log) {
        synchronized (checkpoint) {
            return checkpoint.getOrDefault(log.dir().getFileName().toString(), -1L);
        }
    }

    private void writeCheckpoint() {
        Map<String, Long> live = new HashMap<>();
        for (PartitionLog log : logs.all()) {
            String dir = log.dir().getFileName().toString();
            if (checkpoint.containsKey(dir)) {
                live.put(dir, checkpoint.get(dir));
            }
        }
        try {
            OffsetCheckpointFile.write(logs.dataDir(), CHECKPOINT_FILE, live);
        } catch (IOException e) {
            LOG.warnf("cannot write %s (the next start re-reads cleaned data as dirty): %s", CHECKPOINT_FILE,
                    e.getMessage());
        }
    }

    private void gauge(TopicPartition tp) {
        if (registry != null && gauged.add(tp)) {
            Gauge.builder("floe.cleaner.dirty.ratio", dirtyRatios, m -> m.getOrDefault(tp, 0.0))
                    .tag("topic", tp.topic()).tag("partition", Integer.toString(tp.partition()))
                    .description("Share of the partition's cleanable bytes not cleaned yet").register(registry);
        }
    }

    /** The dirty ratio of each compacted partition at the last look. */
    public Map<TopicPartition, Double> dirtyRatios() {
        return Map.copyOf(dirtyRatios);
    }

    private double maxDirtyRatio() {
        return dirtyRatios.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /** Stop at the next chunk: a clean under way leaves the old segments and drops its .cleaned file. */
    @Override
    public void close() {
        stopping = true;
    }
}
