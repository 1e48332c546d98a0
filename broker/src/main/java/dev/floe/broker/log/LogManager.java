package dev.floe.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.BiPredicate;
import java.util.function.ToLongFunction;

/**
 * Owns every partition log under the data directory: opens them at start (recovering after an unclean stop),
 * creates and deletes them as topics change, applies retention, and leaves a clean-shutdown marker on close.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LogManager.class);
    private static final String CLEAN_SHUTDOWN = ".floe-clean-shutdown";
    /** Log start offsets moved by DeleteRecords (inside a segment), so they survive a restart. */
    public static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";

    private final Path dataDir;
    private final SegmentReaper reaper;
    private final boolean cleanShutdown;
    private final java.util.concurrent.Executor flusher;
    private volatile long producerIdExpirationMs = 86_400_000L;
    /** Recovery points as last written to the checkpoint file, by partition directory name. */
    private final Map<String, Long> checkpointed;
    /** File of every partition's high watermark (cluster mode), so a restart does not expose uncommitted data. */
    static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
    private final Map<String, Long> highWatermarks;
    private volatile boolean replicated;
    /** Log start offsets as last written, by partition directory name. */
    private final Map<String, Long> logStarts;
    private final java.util.concurrent.atomic.AtomicInteger segmentsVerified = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong bytesVerified = new java.util.concurrent.atomic.AtomicLong();
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<TopicPartition>> deleteListeners = new CopyOnWriteArrayList<>();
    private volatile BiPredicate<TopicPartition, LogSegment> deletionGuard = (tp, s) -> true;
    private volatile ToLongFunction<TopicPartition> emptyLogStart = tp -> 0L;
    private volatile java.util.function.Function<TopicPartition, byte[]> emptyLogProducerState = tp -> null;

    public LogManager(Path dataDir, SegmentReaper reaper) throws IOException {
        this(dataDir, reaper, Runnable::run);
    }

    /** @param flusher where rolled segments are fsynced, off the appending thread */
    public LogManager(Path dataDir, SegmentReaper reaper, java.util.concurrent.Executor flusher) throws IOException {
        this.flusher = flusher;
        this.dataDir = dataDir;
        this.reaper = reaper;
        Files.createDirectories(dataDir);
        Path marker = dataDir.resolve(CLEAN_SHUTDOWN);
        this.cleanShutdown = Files.exists(marker) || isEmptyDataDir();
        Files.deleteIfExists(marker);
        this.checkpointed = RecoveryPointCheckpoint.read(dataDir);
        this.highWatermarks = OffsetCheckpointFile.read(dataDir, HIGH_WATERMARK_CHECKPOINT);
        this.logStarts = OffsetCheckpointFile.read(dataDir, LOG_START_CHECKPOINT);
        if (!cleanShutdown) {
            LOG.warnf("no clean-shutdown marker in %s: the broker stopped uncleanly, active segments will be verified", dataDir);
        }
    }

    private boolean isEmptyDataDir() throws IOException {
        try (var entries = Files.list(dataDir)) {
            return entries.noneMatch(p -> Files.isDirectory(p) && !p.getFileName().toString().equals("meta"));
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Cluster mode: partitions may have several replicas, so a log opens at its checkpointed high watermark (or
     * its start) instead of its end, and high watermarks are checkpointed. Set before any log is opened.
     */
    public void setReplicated(boolean replicated) {
        this.replicated = replicated;
    }

    /** Write every replicated partition's high watermark to {@code replication-offset-checkpoint} (cluster mode). */
    public synchronized void checkpointHighWatermarks() {
        if (!replicated) {
            return;
        }
        Map<String, Long> marks = new java.util.HashMap<>();
        for (PartitionLog log : logs.values()) {
            marks.put(log.dir().getFileName().toString(), log.highWatermark());
        }
        if (marks.equals(highWatermarks)) {
            return;
        }
        try {
            OffsetCheckpointFile.write(dataDir, HIGH_WATERMARK_CHECKPOINT, marks);
            highWatermarks.clear();
            highWatermarks.putAll(marks);
        } catch (IOException e) {
            LOG.errorf("cannot write the high watermark checkpoint in %s: %s", dataDir, e.getMessage());
        }
    }

    /** Called after every successful append with new records, from the appending thread. */
    public void addAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    /** Called after a partition's log was deleted ({@link #delete}), from the deleting thread. */
    public void addDeleteListener(Consumer<TopicPartition> listener) {
        deleteListeners.add(listener);
    }

    /** Segments the guard rejects are never deleted by local retention (tiering keeps unuploaded ones). */
    public void setDeletionGuard(BiPredicate<TopicPartition, LogSegment> guard) {
        this.deletionGuard = guard;
    }

    /** Where a partition with no local segments starts (after what object storage already holds). */
    public void setEmptyLogStart(ToLongFunction<TopicPartition> start) {
        this.emptyLogStart = start;
    }

    /** Producer state for a log that starts empty after tiered data (the snapshot uploaded with the last segment). */
    public void setEmptyLogProducerState(java.util.function.Function<TopicPartition, byte[]> state) {
        this.emptyLogProducerState = state;
    }

    public Path partitionDir(TopicPartition tp) {
        return dataDir.resolve(tp.topic() + "-" + tp.partition());
    }

    public PartitionLog log(TopicPartition tp) {
        return logs.get(tp);
    }

    public Collection<PartitionLog> all() {
        return logs.values();
    }

    /** Open the partition's log, creating an empty one if it has no directory yet. */
    public PartitionLog open(TopicPartition tp, LogConfig config) throws IOException {
        PartitionLog existing = logs.get(tp);
        if (existing != null) {
            return existing;
        }
        synchronized (this) {
            existing = logs.get(tp);
            if (existing != null) {
                return existing;
            }
            long initial = config.remoteStorage() && !hasSegments(tp) ? emptyLogStart.applyAsLong(tp) : 0L;
            if (initial > 0) {
                byte[] producers = emptyLogProducerState.apply(tp);
                if (producers != null) {
                    Files.createDirectories(partitionDir(tp));
                    ProducerSnapshots.write(partitionDir(tp), initial, producers);
                }
            }
            Long checkpoint = checkpointed.get(partitionDir(tp).getFileName().toString());
            Long hw = highWatermarks.get(partitionDir(tp).getFileName().toString());
            PartitionLog log = PartitionLog.open(tp, partitionDir(tp), config, cleanShutdown, reaper, this::appended, initial,
                    flusher, checkpoint == null ? -1 : checkpoint, replicated ? (hw == null ? 0 : hw) : -1);
            Long logStart = logStarts.get(partitionDir(tp).getFileName().toString());
            if (logStart != null) {
                log.restoreLogStartOffset(logStart);
            }
            segmentsVerified.addAndGet(log.recovery().segmentsVerified());
            bytesVerified.addAndGet(log.recovery().bytesVerified());
            logs.put(tp, log);
            return log;
        }
    }

    private boolean hasSegments(TopicPartition tp) throws IOException {
        Path dir = partitionDir(tp);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(SegmentNames.LOG));
        }
    }

    private void appended(TopicPartition tp) {
        for (Consumer<TopicPartition> l : appendListeners) {
            l.accept(tp);
        }
    }

    /** Segments verified batch by batch at start-up because they lay above their recovery point. */
    public int segmentsVerifiedAtStart() {
        return segmentsVerified.get();
    }

    /** One line on what start-up had to read: after a crash, only segments above the recovery points. */
    public void logStartupSummary() {
        int segments = 0;
        for (PartitionLog log : logs.values()) {
            segments += log.segmentCount();
        }
        if (cleanShutdown) {
            LOG.infof("opened %d partition logs (%d segments) after a clean shutdown; no segment was read",
                    logs.size(), segments);
        } else {
            LOG.infof("recovered %d partition logs after an unclean shutdown: verified %d segments (%d bytes) above "
                    + "their recovery points, trusted the other %d", logs.size(), segmentsVerified.get(),
                    bytesVerified.get(), segments - segmentsVerified.get());
        }
    }

    /**
     * Write every partition's recovery point to the checkpoint file, when any moved. One file and one fsync for
     * all partitions; called periodically and at close. Between writes, the file lags what is flushed, which only
     * means a crash re-verifies a little more.
     */
    public synchronized void checkpointRecoveryPoints() {
        Map<String, Long> points = new java.util.HashMap<>();
        for (PartitionLog log : logs.values()) {
            points.put(log.dir().getFileName().toString(), log.recoveryPoint());
        }
        if (points.equals(checkpointed)) {
            return;
        }
        try {
            RecoveryPointCheckpoint.write(dataDir, points);
            checkpointed.clear();
            checkpointed.putAll(points);
        } catch (IOException e) {
            LOG.errorf("cannot write the recovery point checkpoint in %s (a crash now re-verifies more): %s", dataDir,
                    e.getMessage());
        }
    }

    /**
     * Write every partition's log start offset, when any moved (DeleteRecords), with one fsync, as Kafka's
     * log-start-offset-checkpoint. DeleteRecords calls it before answering, so an acknowledged deletion is never
     * undone by a restart.
     */
    public synchronized void checkpointLogStartOffsets() throws IOException {
        Map<String, Long> starts = new java.util.HashMap<>();
        for (PartitionLog log : logs.values()) {
            starts.put(log.dir().getFileName().toString(), log.logStartOffset());
        }
        if (starts.equals(logStarts)) {
            return;
        }
        OffsetCheckpointFile.write(dataDir, LOG_START_CHECKPOINT, starts);
        logStarts.clear();
        logStarts.putAll(starts);
    }

    /** Remove a partition's log and its files. */
    public void delete(TopicPartition tp) throws IOException {
        PartitionLog log = logs.remove(tp);
        if (log != null) {
            log.delete();
        } else if (Files.exists(partitionDir(tp))) {
            try (var files = Files.walk(partitionDir(tp))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        for (Consumer<TopicPartition> l : deleteListeners) {
            l.accept(tp);
        }
    }

    /** Kafka's {@code producer.id.expiration.ms}: producers silent this long are forgotten. */
    public void setProducerIdExpirationMs(long ms) {
        this.producerIdExpirationMs = ms;
    }

    /** One pass of retention over every log; returns the number of segments deleted. */
    public int applyRetention() {
        long now = System.currentTimeMillis();
        int deleted = 0;
        for (PartitionLog log : logs.values()) {
            LogConfig cfg = log.config();
            int expired = log.expireProducers(now, producerIdExpirationMs);
            if (expired > 0) {
                LOG.debugf("%s: forgot %d producer id(s) idle for more than %d ms", log.topicPartition(), expired,
                        producerIdExpirationMs);
            }
            try {
                if (!cfg.remoteStorage()) {
                    deleted += log.applyRetention(now, s -> true, cfg.retentionMs(), cfg.retentionBytes(), "");
                } else {
                    TopicPartition tp = log.topicPartition();
                    // With uploads stopped (remote.log.copy.disable) waiting for one would keep every segment.
                    deleted += log.applyRetention(now,
                            segment -> cfg.remoteCopyDisabled() || deletionGuard.test(tp, segment), cfg.localRetentionMs(),
                            cfg.localRetentionBytes(), "local ");
                }
            } catch (IOException e) {
                LOG.errorf("%s: retention failed, will retry on the next pass: %s", log.topicPartition(), e.getMessage());
            }
        }
        return deleted;
    }

    public void flushAll() {
        for (PartitionLog log : logs.values()) {
            try {
                log.flush();
            } catch (IOException e) {
                LOG.errorf("%s: flush failed: %s", log.topicPartition(), e.getMessage());
            }
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (PartitionLog log : logs.values()) {
            try {
                log.close();
            } catch (IOException e) {
                failure = e;
                LOG.errorf("%s: close failed: %s", log.topicPartition(), e.getMessage());
            }
        }
        if (failure == null) {
            checkpointRecoveryPoints();
            checkpointHighWatermarks();
            try {
                checkpointLogStartOffsets();
            } catch (IOException e) {
                LOG.errorf("cannot write %s in %s: %s", LOG_START_CHECKPOINT, dataDir, e.getMessage());
            }
        }
        logs.clear();
        if (failure == null) {
            Files.createFile(dataDir.resolve(CLEAN_SHUTDOWN));
            LOG.infof("logs closed cleanly in %s", dataDir);
        }
    }
}
