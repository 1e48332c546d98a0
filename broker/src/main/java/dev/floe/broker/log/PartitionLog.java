package dev.floe.broker.log;

import dev.floe.tier.txn.AbortedTxn;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The append-only log of one partition: an ordered run of segments, the newest active. One writer at a time
 * (appends, rolls, truncation and retention synchronize on this object); readers work lock-free from the
 * published high-watermark position.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PartitionLog.class);

    /** Where readers must stop: the high watermark and the byte position of it in its segment. */
    private record ReadLimit(long offset, long segmentBase, int position) {
    }

    private final TopicPartition tp;
    private final Path dir;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateTable producers = new ProducerStateTable();
    /** Aborted-transaction indexes by segment base offset; only segments that hold an ABORT marker have one. */
    private final ConcurrentSkipListMap<Long, TxnIndex> txnIndexes = new ConcurrentSkipListMap<>();
    /** First offset of the oldest open transaction (Long.MAX_VALUE when none), published after each append. */
    private volatile long firstUnstableOffset = Long.MAX_VALUE;
    private final SegmentReaper reaper;
    private final Consumer<TopicPartition> onAppend;
    private volatile LogConfig config;
    /** Where consumers stop: the high watermark. */
    private volatile ReadLimit readLimit;
    /** Where followers stop: the log end. */
    private volatile ReadLimit endLimit;
    /**
     * True while this log is its partition's only replica that counts (standalone, replication factor 1): the
     * high watermark is the log end, published with each append as before replication existed.
     */
    private volatile boolean highWatermarkTracksEnd = true;
    /** Which epoch wrote which offsets; null until replication asks for it (never in standalone mode). */
    private LeaderEpochCache epochs;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile int leaderEpoch;
    private volatile long recoveryPoint;
    private final Object flushLock = new Object();
    /** Bases of sealed segments the uploader is reading (guarded by this): the cleaner does not swap them. */
    private final java.util.Set<Long> uploading = new java.util.HashSet<>();
    private CompletableFuture<Void> flushChain = CompletableFuture.completedFuture(null);
    private final Executor flusher;
    private LogLoader.Recovery recovery = LogLoader.Recovery.NONE;
    private long replayedBatches;
    /** Messages appended since the active segment was last fsynced, and when that was (flush.messages/flush.ms). */
    private long unflushedMessages;
    private long lastFlushMs = System.currentTimeMillis();

    private PartitionLog(TopicPartition tp, Path dir, LogConfig config, SegmentReaper reaper,
                         Consumer<TopicPartition> onAppend, Executor flusher) {
        this.flusher = flusher;
        this.tp = tp;
        this.dir = dir;
        this.config = config;
        this.reaper = reaper;
        this.onAppend = onAppend;
    }

    /**
     * Open the log in {@code dir}, creating it when absent. After an unclean shutdown the active segment is
     * verified batch by batch and cut at the first torn or corrupt batch, and its indexes are rebuilt.
     */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean cleanShutdown,
                                    SegmentReaper reaper, Consumer<TopicPartition> onAppend) throws IOException {
        return open(tp, dir, config, cleanShutdown, reaper, onAppend, 0L);
    }

    /** As above; a log with no segments yet starts at {@code initialOffset}. Rolled segments flush inline. */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean cleanShutdown,
                                    SegmentReaper reaper, Consumer<TopicPartition> onAppend, long initialOffset)
            throws IOException {
        return open(tp, dir, config, cleanShutdown, reaper, onAppend, initialOffset, Runnable::run, -1, -1);
    }

    /** As below, with the high watermark following the log end (one replica). */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean cleanShutdown,
                                    SegmentReaper reaper, Consumer<TopicPartition> onAppend, long initialOffset,
                                    Executor flusher, long checkpointedRecoveryPoint) throws IOException {
        return open(tp, dir, config, cleanShutdown, reaper, onAppend, initialOffset, flusher, checkpointedRecoveryPoint,
                -1);
    }

    /**
     * As above, flushing rolled segments on {@code flusher}, off the appending thread and the partition's lock.
     *
     * @param checkpointedRecoveryPoint the recovery point last checkpointed for this log, -1 when unknown
     * @param checkpointedHighWatermark the high watermark last checkpointed (cluster mode), -1 for none: the
     *                                  high watermark then follows the log end, as with a single replica
     */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean cleanShutdown,
                                    SegmentReaper reaper, Consumer<TopicPartition> onAppend, long initialOffset,
                                    Executor flusher, long checkpointedRecoveryPoint, long checkpointedHighWatermark)
            throws IOException {
        Files.createDirectories(dir);
        PartitionLog log = new PartitionLog(tp, dir, config, reaper, onAppend, flusher);
        log.load(cleanShutdown, initialOffset, checkpointedRecoveryPoint, checkpointedHighWatermark);
        return log;
    }

    private void load(boolean cleanShutdown, long initialOffset, long checkpoint, long highWatermark)
            throws IOException {
        recovery = new LogLoader(tp, dir, config).load(segments, cleanShutdown, checkpoint);
        if (segments.isEmpty()) {
            segments.put(initialOffset, LogSegment.create(dir, initialOffset, config.indexIntervalBytes(),
                    config.segmentIndexBytes()));
        }
        logStartOffset = segments.firstKey();
        LogSegment active = segments.lastEntry().getValue();
        logEndOffset = Math.max(active.baseOffset(), active.lastOffset() + 1);
        // After a clean stop everything was flushed; a log from before checkpoints had its sealed segments synced
        // at each roll, so only the active one is in doubt.
        recoveryPoint = cleanShutdown ? logEndOffset
                : Math.min(checkpoint >= 0 ? checkpoint : active.baseOffset(), logEndOffset);
        publishEnd(logEndOffset);
        openTxnIndexes();
        if (highWatermark >= 0) {
            // A replicated log restarts at the watermark it had committed, never at its log end: what lies above
            // may never have reached the other replicas, and a consumer must not see it before they have.
            highWatermarkTracksEnd = false;
            readLimit = limitAt(Math.max(logStartOffset, Math.min(highWatermark, logEndOffset)));
        }
        if (LeaderEpochCache.exists(dir)) {
            epochs = LeaderEpochCache.load(dir);
            epochs.truncateFromEnd(logEndOffset);
        }
        loadProducerState();
        firstUnstableOffset = producers.firstUnstableOffset();
    }

    /** Open the aborted-transaction index of every segment that has one; drop those of segments that are gone. */
    private void openTxnIndexes() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (!name.endsWith(TxnIndex.SUFFIX) || name.length() != 20 + TxnIndex.SUFFIX.length()) {
                    continue;
                }
                long base;
                try {
                    base = Long.parseLong(name.substring(0, 20));
                } catch (NumberFormatException notOurs) {
                    continue;
                }
                if (segments.containsKey(base)) {
                    txnIndexes.put(base, TxnIndex.open(dir, base));
                } else {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /**
     * Producer state starts from the newest intact snapshot (one is written after each rolled segment is flushed,
     * and the one at the log start carries the producers of segments already removed); only the batches after it
     * are replayed, so start-up does not read every header of every segment.
     */
    private void loadProducerState() throws IOException {
        ProducerSnapshots.deleteAfter(dir, logEndOffset);
        long replayFrom = logStartOffset;
        for (long at : ProducerSnapshots.offsetsNewestFirst(dir)) {
            if (at < logStartOffset) {
                break;
            }
            byte[] snapshot = ProducerSnapshots.read(dir, at);
            if (snapshot != null && producers.loadFrom(snapshot)) {
                replayFrom = at;
                break;
            }
            LOG.warnf("%s: producer snapshot at %d is corrupt; trying an older one", tp, at);
        }
        ProducerSnapshots.deleteBefore(dir, logStartOffset);
        final long from = replayFrom;
        // The replay below re-finds every ABORT marker after the snapshot, so index entries from there on are
        // dropped first (they may also describe records a crash cut off).
        for (TxnIndex index : txnIndexes.values()) {
            index.truncateFrom(from);
        }
        Long first = segments.floorKey(from);
        for (LogSegment segment : segments.tailMap(first == null ? logStartOffset : first, true).values()) {
            IOException[] failed = new IOException[1];
            segment.forEachBatch((batch, position) -> {
                if (batch.baseOffset() >= from && failed[0] == null) {
                    try {
                        if (batch.isControl()) {
                            recordMarker(segment.baseOffset(), batch, segment.read(position, batch.sizeInBytes()));
                        } else {
                            producers.record(batch);
                        }
                    } catch (IOException e) {
                        failed[0] = e;
                    }
                    replayedBatches++;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
        }
    }

    /** A COMMIT or ABORT marker closes its producer's transaction; an abort goes into the segment's index. */
    private void recordMarker(long segmentBase, BatchHeader marker, ByteBuffer bytes) throws IOException {
        Boolean commit = marker.hasProducerId() ? ControlMarkers.isCommit(bytes) : null;
        if (commit == null) {
            return;
        }
        long lsoBefore = Math.min(producers.firstUnstableOffset(), marker.baseOffset());
        ProducerStateTable.CompletedTxn done = producers.recordMarker(marker, commit);
        if (done != null && done.aborted()) {
            TxnIndex index = txnIndexes.get(segmentBase);
            if (index == null) {
                index = TxnIndex.open(dir, segmentBase);
                txnIndexes.put(segmentBase, index);
            }
            index.append(new AbortedTxn(done.producerId(), done.firstOffset(), done.markerOffset(), lsoBefore));
        }
    }

    /**
     * Forget producers whose last batch is older than {@code expirationMs} (Kafka's
     * {@code producer.id.expiration.ms}), so the table and its snapshots stop growing with every producer ever
     * seen. A forgotten producer that comes back is treated as new, as in Kafka.
     */
    public synchronized int expireProducers(long now, long expirationMs) {
        return producers.expire(now - expirationMs);
    }

    /** Producer ids currently tracked. */
    public synchronized int producerCount() {
        return producers.size();
    }

    /** The producers of this partition with their open transactions (DescribeProducers). */
    public synchronized List<ProducerView> producers() {
        return producers.view();
    }

    /**
     * The last stable offset: below it every transaction is decided, so a read_committed consumer may read up to
     * it. It is the first offset of the oldest open transaction, or the high watermark when none is open.
     */
    public long lastStableOffset() {
        long hw = readLimit.offset();
        return Math.min(hw, firstUnstableOffset);
    }

    /**
     * The aborted transactions a reader of [{@code from}, {@code upTo}) must skip, oldest first. An entry lives in
     * the segment of its ABORT marker, which is never before the segment holding {@code from} when it matters.
     */
    public List<AbortedTxn> abortedTransactions(long from, long upTo) {
        List<AbortedTxn> out = new java.util.ArrayList<>();
        Long start = segments.floorKey(from);
        for (TxnIndex index : txnIndexes.tailMap(start == null ? Long.MIN_VALUE : start, true).values()) {
            index.collect(from, upTo, out);
        }
        out.sort(java.util.Comparator.comparingLong(AbortedTxn::firstOffset));
        return out;
    }

    /**
     * The aborted-transaction index file of the segment at {@code segmentBase}, or null when that segment holds no
     * ABORT marker. Tiering uploads it beside the segment; it is final once the segment is sealed.
     */
    public Path txnIndexFile(long segmentBase) {
        TxnIndex index = txnIndexes.get(segmentBase);
        return index == null || index.isEmpty() ? null : index.path();
    }

    /** What the last start-up had to verify after an unclean stop. */
    public LogLoader.Recovery recovery() {
        return recovery;
    }

    /** Batches replayed into the producer table at start-up (those after the newest snapshot). */
    long replayedBatches() {
        return replayedBatches;
    }

    /** Every offset below this was fsynced: a crash re-reads only what lies above it. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    public TopicPartition topicPartition() {
        return tp;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    public long highWatermark() {
        return readLimit.offset();
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public void setLeaderEpoch(int epoch) {
        this.leaderEpoch = epoch;
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    public int segmentCount() {
        return segments.size();
    }

    public List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    /**
     * Validate producer sequences, assign offsets and append, as the leader. The batches were CRC-checked by the
     * caller; their bytes are modified in place (offsets, leader epoch, log-append time) and written as they are.
     */
    public AppendResult appendAsLeader(MemoryRecords records) throws IOException {
        AppendResult result;
        synchronized (this) {
            result = appendLocked(records);
        }
        if (result.ok() && result.records() > 0) {
            onAppend.accept(tp);
        }
        return result;
    }

    private AppendResult appendLocked(MemoryRecords records) throws IOException {
        ByteBuffer buffer = records.buffer();
        long next = logEndOffset;
        long now = System.currentTimeMillis();
        LogConfig cfg = config;
        int count = 0;
        long firstOffset = next;
        int begin = buffer.position();
        for (int at = begin; at < buffer.limit(); ) {
            BatchHeader header = BatchHeader.read(buffer, at);
            if (header.hasProducerId()) {
                ProducerStateTable.Check check = producers.check(header);
                if (check.error() != Errors.NONE) {
                    return AppendResult.failed(check.error(), check.message());
                }
                if (check.duplicate()) {
                    // A retry of a batch already written: answer with where it went, write nothing.
                    return new AppendResult(Errors.NONE, null, check.duplicateBaseOffset(),
                            check.duplicateLastOffset(), -1, logStartOffset, 0, 0);
                }
            }
            BatchRewriter.assign(buffer, at, next, leaderEpoch);
            if (epochs != null && at == begin) {
                epochs.assign(leaderEpoch, next);
            }
            if (cfg.logAppendTime()) {
                BatchRewriter.setLogAppendTime(buffer, at, now);
            }
            next += header.lastOffsetDelta() + 1;
            count += header.recordCount();
            at += header.sizeInBytes();
        }
        int bytes = buffer.remaining();
        LogSegment active = maybeRoll(bytes, now);
        active.append(buffer.duplicate());
        for (int at = begin; at < buffer.limit(); ) {
            BatchHeader header = BatchHeader.read(buffer, at);
            if (header.isControl()) {
                recordMarker(active.baseOffset(), header, buffer.duplicate().limit(at + header.sizeInBytes())
                        .position(at).slice());
            } else {
                producers.record(header);
            }
            at += header.sizeInBytes();
        }
        logEndOffset = next;
        // Published before the high watermark moves, so no reader sees the new records as stable too early.
        firstUnstableOffset = producers.firstUnstableOffset();
        maybeFlush(active, count, now, cfg);
        publishEnd(next);
        return new AppendResult(Errors.NONE, null, firstOffset, next - 1, cfg.logAppendTime() ? now : -1,
                logStartOffset, count, bytes);
    }

    /** Kafka's flush.messages and flush.ms, checked on append as Kafka does; the defaults never fsync here. */
    private void maybeFlush(LogSegment active, int appended, long now, LogConfig cfg) throws IOException {
        unflushedMessages += appended;
        if (unflushedMessages >= cfg.flushMessages() || now - lastFlushMs >= cfg.flushMs()) {
            active.flush();
            unflushedMessages = 0;
            lastFlushMs = now;
        }
    }

    private LogSegment maybeRoll(int incomingBytes, long now) throws IOException {
        LogSegment active = segments.lastEntry().getValue();
        LogConfig cfg = config;
        boolean full = !active.canFit(incomingBytes, cfg.segmentBytes());
        boolean old = active.size() > 0 && now - active.createdAtMs() >= cfg.segmentMs();
        if (full || old || active.indexesFull()) {
            return roll(full ? "segment.bytes reached" : old ? "segment.ms elapsed" : "index full");
        }
        return active;
    }

    /**
     * Seal the active segment and start a new one at the log end. The sealed segment is flushed afterwards on the
     * flusher, as Kafka does, so the fsync never stalls appends; the producer snapshot at the new base is written
     * only once the segment below it is on disk, so a snapshot never describes records a crash could lose.
     */
    public synchronized LogSegment roll(String reason) throws IOException {
        LogSegment active = segments.lastEntry().getValue();
        if (active.size() == 0) {
            return active;
        }
        active.seal();
        long base = logEndOffset;
        byte[] snapshot = producers.toBytes();
        LogSegment fresh = LogSegment.create(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes());
        Files.deleteIfExists(TxnIndex.file(dir, base));
        segments.put(base, fresh);
        TxnIndex sealedAborts = txnIndexes.get(active.baseOffset());
        enqueueFlush(() -> {
            active.flush();
            if (sealedAborts != null) {
                sealedAborts.flush();
            }
            ProducerSnapshots.write(dir, base, snapshot);
            advanceRecoveryPoint(base);
        });
        LOG.debugf("%s: rolled segment %d (%d bytes) because %s", tp, active.baseOffset(), active.size(), reason);
        return fresh;
    }

    private interface FlushStep {
        void run() throws IOException;
    }

    /**
     * Flushes run one after another per partition, in the order they were asked for (callers hold the log's
     * lock), so the recovery point only moves past data that is on disk.
     */
    private CompletableFuture<Void> enqueueFlush(FlushStep step) {
        synchronized (flushLock) {
            flushChain = flushChain.thenRunAsync(() -> {
                try {
                    step.run();
                } catch (IOException e) {
                    if (Files.isDirectory(dir)) {
                        LOG.errorf("%s: flush failed, the recovery point stays at %d: %s", tp, recoveryPoint,
                                e.getMessage());
                    }
                }
            }, flusher);
            return flushChain;
        }
    }

    /** In memory only: the log manager checkpoints every partition's recovery point in one file. */
    private void advanceRecoveryPoint(long offset) {
        if (offset > recoveryPoint) {
            recoveryPoint = offset;
        }
    }

    /** The log end moved: followers may read to it, and consumers too while the watermark follows it. */
    private void publishEnd(long end) {
        LogSegment active = segments.lastEntry().getValue();
        endLimit = new ReadLimit(end, active.baseOffset(), active.size());
        if (highWatermarkTracksEnd) {
            readLimit = endLimit;
        }
    }

    /** The read limit at {@code offset}, a batch boundary at or below the log end. Caller holds the lock. */
    private ReadLimit limitAt(long offset) throws IOException {
        ReadLimit end = endLimit;
        if (offset >= end.offset()) {
            return end;
        }
        Map.Entry<Long, LogSegment> e = segments.floorEntry(offset);
        if (e == null) {
            Map.Entry<Long, LogSegment> first = segments.firstEntry();
            return new ReadLimit(offset, first.getKey(), 0);
        }
        int position = e.getValue().positionOf(offset);
        return new ReadLimit(offset, e.getKey(), position < 0 ? e.getValue().size() : position);
    }

    /**
     * Whether the high watermark simply follows the log end (one replica) or is moved by replication. Switching
     * it on publishes the log end at once.
     */
    public synchronized void setHighWatermarkTracksEnd(boolean tracks) {
        highWatermarkTracksEnd = tracks;
        if (tracks) {
            readLimit = endLimit;
        }
    }

    public boolean highWatermarkTracksEnd() {
        return highWatermarkTracksEnd;
    }

    /**
     * Move the high watermark forward to {@code offset} (capped at the log end); it never moves back here.
     * Returns whether it moved. Called by the leader when its in-sync replicas have the records, and by a follower
     * from the leader's watermark.
     */
    public boolean advanceHighWatermark(long offset) throws IOException {
        if (offset <= readLimit.offset() || highWatermarkTracksEnd) {
            return false;
        }
        synchronized (this) {
            long target = Math.min(offset, logEndOffset);
            if (target <= readLimit.offset()) {
                return false;
            }
            readLimit = limitAt(target);
        }
        onAppend.accept(tp);
        return true;
    }

    /** The last offset a follower may be sent: the log end. */
    public long readableEnd() {
        return endLimit.offset();
    }

    /**
     * Append batches exactly as the leader wrote them (offsets, leader epochs, timestamps kept), as a follower.
     * The first batch must start at this log's end. A trailing partial batch (a fetch cut by its byte limit) is
     * left for the next fetch. Returns the number of bytes appended.
     */
    public int appendAsFollower(MemoryRecords records) throws IOException {
        int bytes;
        synchronized (this) {
            ByteBuffer buffer = records.buffer();
            int begin = buffer.position();
            int at = begin;
            long next = logEndOffset;
            LeaderEpochCache cache = epochCache();
            while (at + BatchHeader.LOG_OVERHEAD <= buffer.limit()) {
                BatchHeader header = readWholeBatch(buffer, at);
                if (header == null) {
                    break;
                }
                if (header.baseOffset() != next) {
                    throw new IOException(tp + ": the leader sent a batch at offset " + header.baseOffset()
                            + " to a log ending at " + next);
                }
                cache.assign(header.partitionLeaderEpoch(), header.baseOffset());
                next = header.lastOffset() + 1;
                at += header.sizeInBytes();
            }
            bytes = at - begin;
            if (bytes == 0) {
                return 0;
            }
            ByteBuffer whole = buffer.duplicate();
            whole.position(begin).limit(at);
            long now = System.currentTimeMillis();
            LogSegment active = maybeRoll(bytes, now);
            active.append(whole.duplicate());
            int count = 0;
            for (int p = begin; p < at; ) {
                BatchHeader header = BatchHeader.read(buffer, p);
                // As on the leader: a marker closes its transaction (an abort goes into the txn index), so a
                // follower that becomes leader knows which transactions are open and which records were aborted.
                if (header.isControl()) {
                    recordMarker(active.baseOffset(), header, buffer.duplicate().limit(p + header.sizeInBytes())
                            .position(p).slice());
                } else {
                    producers.record(header);
                }
                count += header.recordCount();
                p += header.sizeInBytes();
            }
            logEndOffset = next;
            firstUnstableOffset = producers.firstUnstableOffset();
            maybeFlush(active, count, now, config);
            publishEnd(next);
        }
        onAppend.accept(tp);
        return bytes;
    }

    /** The header of the batch at {@code at} when the whole batch is in the buffer, else null. */
    private static BatchHeader readWholeBatch(ByteBuffer buffer, int at) {
        if (buffer.limit() - at < BatchHeader.SIZE) {
            return null;
        }
        BatchHeader header = BatchHeader.read(buffer, at);
        return header.sizeInBytes() <= buffer.limit() - at ? header : null;
    }

    /**
     * Cut every record at or above {@code offset} (a follower's divergent tail after a leader change). Whole
     * segments above it are removed, the one holding it is cut, and producer state and the epoch cache go back
     * with it. Returns whether anything was cut.
     */
    public synchronized boolean truncateTo(long offset) throws IOException {
        if (offset >= logEndOffset) {
            return false;
        }
        if (offset <= logStartOffset) {
            truncateFullyAndStartAt(Math.max(offset, 0));
            return true;
        }
        long before = logEndOffset;
        while (segments.lastKey() >= offset) {
            LogSegment dropped = segments.remove(segments.lastKey());
            dropped.markDeleted();
            reaper.deleteLater(dropped, config.fileDeleteDelayMs());
        }
        LogSegment last = segments.lastEntry().getValue();
        last.truncateTo(offset);
        if (last.isSealed()) {
            // A sealed segment's indexes were trimmed: the log continues in a fresh segment at the cut.
            segments.put(offset, LogSegment.create(dir, offset, config.indexIntervalBytes(), config.segmentIndexBytes()));
        }
        logEndOffset = offset;
        afterTruncation(offset);
        LOG.infof("%s: truncated to offset %d (log end was %d)", tp, offset, before);
        return true;
    }

    /** Drop the whole log and start it empty at {@code offset} (a follower far behind its leader's log start). */
    public synchronized void truncateFullyAndStartAt(long offset) throws IOException {
        for (LogSegment dropped : List.copyOf(segments.values())) {
            segments.remove(dropped.baseOffset());
            dropped.markDeleted();
            reaper.deleteLater(dropped, config.fileDeleteDelayMs());
        }
        segments.put(offset, LogSegment.create(dir, offset, config.indexIntervalBytes(), config.segmentIndexBytes()));
        logStartOffset = offset;
        logEndOffset = offset;
        if (epochs != null) {
            epochs.clear();
        }
        afterTruncation(offset);
        LOG.infof("%s: emptied and restarted at offset %d", tp, offset);
    }

    private void afterTruncation(long offset) throws IOException {
        if (recoveryPoint > offset) {
            recoveryPoint = offset;
        }
        if (epochs != null) {
            epochs.truncateFromEnd(offset);
        }
        ReadLimit hw = readLimit;
        publishEnd(offset);
        if (!highWatermarkTracksEnd) {
            readLimit = hw.offset() > offset ? endLimit : limitAt(hw.offset());
        }
        producers.clear();
        ProducerSnapshots.deleteAfter(dir, offset);
        loadProducerState();
    }

    /**
     * The epoch history, loaded on first use: read from its file, or rebuilt from the batch headers of a log
     * written before replication looked at it. Standalone brokers never call this, so their start-up never
     * scans a segment for it.
     */
    public synchronized LeaderEpochCache epochCache() throws IOException {
        if (epochs == null) {
            LeaderEpochCache cache = LeaderEpochCache.load(dir);
            if (cache.latestEpoch() == LeaderEpochCache.UNDEFINED_EPOCH && logEndOffset > logStartOffset) {
                for (LogSegment segment : segments.values()) {
                    segment.forEachBatch(batch -> {
                        try {
                            cache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
            }
            epochs = cache;
        }
        return epochs;
    }

    /** Where {@code epoch} ended in this log (OffsetsForLeaderEpoch). */
    public LeaderEpochCache.EpochEnd endOffsetForEpoch(int epoch) throws IOException {
        LeaderEpochCache cache = epochCache();
        synchronized (this) {
            return cache.endOffsetFor(epoch, logEndOffset);
        }
    }

    /**
     * Become leader in {@code epoch}: batches appended from now on carry it, and the epoch starts at the log end
     * (Kafka records the start when leadership begins, so a follower can be told where the old epoch ended even
     * before the new leader wrote anything).
     */
    public synchronized void startLeaderEpoch(int epoch) throws IOException {
        leaderEpoch = epoch;
        epochCache().assign(epoch, logEndOffset);
    }

    /**
     * Bytes of whole batches from the one holding {@code offset}, up to {@code maxBytes} (the last batch may be
     * cut, as Kafka does; clients drop a partial trailing batch) and never past the high watermark.
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneBatch) throws IOException {
        return read(offset, maxBytes, minOneBatch, ReadBound.HIGH_WATERMARK);
    }

    /**
     * As above, bounded as {@code bound} says: a consumer reads to the high watermark (read_uncommitted) or the last
     * stable offset (read_committed), a follower to the log end (what it must copy). The result always reports the
     * high watermark.
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneBatch, ReadBound bound) throws IOException {
        try {
            return readOnce(offset, maxBytes, minOneBatch, bound);
        } catch (java.nio.channels.ClosedChannelException e) {
            // Retention removed the segment after this reader found it (and the delete delay ran out): the offset
            // is either gone now or in a later segment; a second look answers either way.
            if (offset < logStartOffset) {
                return ReadResult.outOfRange(readLimit.offset(), logStartOffset);
            }
            return readOnce(offset, maxBytes, minOneBatch, bound);
        }
    }

    private ReadResult readOnce(long offset, int maxBytes, boolean minOneBatch, ReadBound bound) throws IOException {
        ReadLimit hw = readLimit;
        ReadLimit limit = bound == ReadBound.LOG_END ? endLimit : hw;
        long start = logStartOffset;
        long unstable = firstUnstableOffset;
        if (offset < start || offset > limit.offset()) {
            if (offset > limit.offset() && offset <= logEndOffset) {
                return ReadResult.empty(hw.offset(), start);
            }
            return ReadResult.outOfRange(hw.offset(), start);
        }
        if (offset == limit.offset()) {
            return ReadResult.empty(hw.offset(), start);
        }
        if (bound == ReadBound.LAST_STABLE_OFFSET && unstable < limit.offset()) {
            if (offset >= unstable) {
                return ReadResult.empty(hw.offset(), start);
            }
            return readWithin(offset, maxBytes, minOneBatch, stableLimit(unstable, limit), hw.offset(), start);
        }
        return readWithin(offset, maxBytes, minOneBatch, limit, hw.offset(), start);
    }

    /** The byte position of the first unstable offset: it always starts a batch (a transaction's first batch). */
    private ReadLimit stableLimit(long unstable, ReadLimit limit) throws IOException {
        Map.Entry<Long, LogSegment> e = segments.floorEntry(unstable);
        if (e == null) {
            return new ReadLimit(unstable, limit.segmentBase(), 0);
        }
        int position = e.getValue().positionOf(unstable);
        int end = e.getKey() == limit.segmentBase() ? limit.position() : e.getValue().size();
        return new ReadLimit(unstable, e.getKey(), position < 0 ? end : Math.min(position, end));
    }

    private ReadResult readWithin(long offset, int maxBytes, boolean minOneBatch, ReadLimit limit, long hw,
                                  long start) throws IOException {
        for (Map.Entry<Long, LogSegment> e = segments.floorEntry(offset); e != null; e = segments.higherEntry(e.getKey())) {
            LogSegment segment = e.getValue();
            if (segment.baseOffset() > limit.segmentBase()) {
                break;
            }
            int end = segment.baseOffset() == limit.segmentBase() ? limit.position() : segment.size();
            int position = segment.positionOf(offset);
            if (position >= 0 && position < end) {
                // The first batch goes out whole even when it is larger than the limit, or the consumer could
                // never get past it (KIP-74).
                int length = minOneBatch ? Math.max(maxBytes, segment.batchSizeAt(position)) : maxBytes;
                return new ReadResult(Errors.NONE, segment.slice(position, length, end), hw, start);
            }
        }
        return ReadResult.empty(hw, start);
    }

    /** The first record at or after {@code timestamp}, or null when every record is older. */
    public TimestampOffset offsetForTimestamp(long timestamp) throws IOException {
        try {
            return offsetForTimestampOnce(timestamp);
        } catch (java.nio.channels.ClosedChannelException e) {
            // A segment was deleted by retention during the scan: scan the segments that are left.
            return offsetForTimestampOnce(timestamp);
        }
    }

    private TimestampOffset offsetForTimestampOnce(long timestamp) throws IOException {
        long hw = readLimit.offset();
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestamp() < timestamp) {
                continue;
            }
            TimestampOffset found = TimestampScanner.firstAtOrAfter(segment, timestamp, Math.max(logStartOffset,
                    segment.timeIndexScanStart(timestamp)), hw);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The record with the largest timestamp (ListOffsets MAX_TIMESTAMP), or null when the log is empty. */
    public TimestampOffset maxTimestampRecord() throws IOException {
        LogSegment best = null;
        for (LogSegment segment : segments.values()) {
            if (segment.size() > 0 && (best == null || segment.maxTimestamp() > best.maxTimestamp())) {
                best = segment;
            }
        }
        return best == null ? null : TimestampScanner.latestMax(best, readLimit.offset());
    }

    /**
     * Delete whole sealed segments that retention no longer keeps: older than {@code retention.ms}, or beyond
     * {@code retention.bytes} from the newest. {@code deletable} vetoes segments that must stay (e.g. not yet
     * uploaded to object storage). Returns the number of segments deleted.
     */
    public synchronized int applyRetention(long now, java.util.function.Predicate<LogSegment> deletable,
                                           long retentionMs, long retentionBytes, String why) throws IOException {
        int deleted = 0;
        LogSegment active = segments.lastEntry().getValue();
        if (retentionMs >= 0 && active.size() > 0 && now - active.maxTimestamp() > retentionMs && deletable.test(active)) {
            // An active segment whose every record has expired is rolled so that it can be deleted like the rest.
            roll("retention");
        }
        long total = sizeInBytes();
        while (segments.size() > 1) {
            LogSegment oldest = segments.firstEntry().getValue();
            // A segment the cleaner emptied has no timestamp left, and nothing to keep: it would otherwise hold
            // time retention back for every segment after it.
            boolean expired = retentionMs >= 0 && (oldest.size() == 0
                    || oldest.maxTimestamp() >= 0 && now - oldest.maxTimestamp() > retentionMs);
            boolean tooBig = retentionBytes >= 0 && total - oldest.size() >= retentionBytes;
            if (!(expired || tooBig) || !deletable.test(oldest)) {
                break;
            }
            total -= oldest.size();
            deleteOldest(oldest, expired ? why + " time" : why + " size");
            deleted++;
        }
        return deleted;
    }

    private void deleteOldest(LogSegment segment, String why) throws IOException {
        segments.remove(segment.baseOffset());
        TxnIndex aborts = txnIndexes.remove(segment.baseOffset());
        if (aborts != null) {
            aborts.delete();
        }
        // DeleteRecords may have put the start inside a later segment: retention never moves it back.
        logStartOffset = Math.max(logStartOffset, segments.firstKey());
        segment.markDeleted();
        reaper.deleteLater(segment, config.fileDeleteDelayMs());
        ProducerSnapshots.deleteBefore(dir, logStartOffset);
        LOG.infof("%s: deleted segment %d (%d bytes) by %s retention; log now starts at %d", tp,
                segment.baseOffset(), segment.size(), why, logStartOffset);
    }

    /** Advance the log start offset (DeleteRecords); whole segments below it are removed. */
    public synchronized void advanceLogStartOffset(long offset) throws IOException {
        if (offset <= logStartOffset) {
            return;
        }
        while (segments.size() > 1 && segments.higherKey(segments.firstKey()) <= offset) {
            deleteOldest(segments.firstEntry().getValue(), "log start offset");
        }
        logStartOffset = Math.min(offset, logEndOffset);
    }

    /**
     * The log start offset checkpointed before the last stop (DeleteRecords may have moved it inside a segment):
     * restored at open, never below the first segment or past the log end.
     */
    public synchronized void restoreLogStartOffset(long checkpointed) {
        long restored = Math.min(Math.max(checkpointed, segments.firstKey()), logEndOffset);
        if (restored > logStartOffset) {
            logStartOffset = restored;
        }
    }

    /** Base offset of the active segment: the log cleaner never reads at or past it. */
    public long activeSegmentBase() {
        return segments.lastKey();
    }

    /** Held while the uploader reads a segment; closing it lets the cleaner swap the segment again. */
    public interface UploadPin extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Hold a sealed segment still while the uploader reads its files (log, indexes) one after another by path: until
     * the pin is closed, {@link #replaceSegments} refuses to swap it, so every object of one upload comes from one
     * version of the segment. The cleaner loses only that clean and does it again once the upload is done. Null
     * when the segment is no longer this log's (cleaned, deleted or truncated since it was listed).
     */
    public synchronized UploadPin pinForUpload(LogSegment segment) {
        if (segments.get(segment.baseOffset()) != segment || !uploading.add(segment.baseOffset())) {
            return null;
        }
        return () -> {
            synchronized (PartitionLog.this) {
                uploading.remove(segment.baseOffset());
            }
        };
    }

    /**
     * Swap a group of sealed segments for the log cleaner's output, so the log holds either all the old segments
     * or the new one, never a mix, even across a crash: the complete, fsynced {@code cleaned} file is renamed to
     * {@code .swap} (the commit point, which start-up finishes, see {@link LogLoader}), the old segments are moved
     * aside, and the swap file becomes the segment at the group's base. Readers already inside an old segment
     * finish on it (its files are deleted after file.delete.delay.ms). Returns false, removing {@code cleaned},
     * when the log changed under the cleaner (retention, DeleteRecords, truncation) and the group is no longer
     * what was cleaned.
     *
     * @param end the offset after the group: the base of the segment that followed it when it was read
     */
    public synchronized boolean replaceSegments(List<LogSegment> old, Path cleaned, long end) throws IOException {
        long base = old.get(0).baseOffset();
        for (LogSegment segment : old) {
            if (uploading.contains(segment.baseOffset())) {
                Files.deleteIfExists(cleaned);
                LOG.infof("%s: cleaned copy of segment %d dropped: the segment is being uploaded (cleaned again on a "
                        + "later pass)", tp, segment.baseOffset());
                return false;
            }
        }
        Map.Entry<Long, LogSegment> after = segments.higherEntry(old.get(old.size() - 1).baseOffset());
        boolean unchanged = after != null && after.getKey() == end;
        for (LogSegment segment : old) {
            unchanged &= segments.get(segment.baseOffset()) == segment;
        }
        if (!unchanged) {
            Files.deleteIfExists(cleaned);
            return false;
        }
        Path swap = SegmentNames.swapFile(dir, base, end);
        Files.move(cleaned, swap, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        syncDirectory();
        for (LogSegment segment : old) {
            segment.markDeleted();
        }
        Files.move(swap, SegmentNames.logFile(dir, base), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        LogSegment fresh = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(), false,
                false, false);
        // Indexes are rebuilt from the new file and synced: the segment lies below the recovery point and is
        // trusted as it is after a crash.
        fresh.flush();
        syncDirectory();
        segments.put(base, fresh);
        for (LogSegment segment : old.subList(1, old.size())) {
            segments.remove(segment.baseOffset());
        }
        for (LogSegment segment : old) {
            reaper.deleteLater(segment, config.fileDeleteDelayMs());
        }
        return true;
    }

    private void syncDirectory() {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir,
                java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be synced; the renames are still atomic.
            LOG.debugf("%s: cannot sync directory %s: %s", tp, dir, e.getMessage());
        }
    }

    /** Flush everything written so far (after any rolled segment still waiting) and move the recovery point. */
    public void flush() throws IOException {
        CompletableFuture<Void> done;
        synchronized (this) {
            long end = logEndOffset;
            if (end <= recoveryPoint) {
                return;
            }
            LogSegment active = segments.lastEntry().getValue();
            TxnIndex aborts = txnIndexes.get(active.baseOffset());
            done = enqueueFlush(() -> {
                active.flush();
                if (aborts != null) {
                    aborts.flush();
                }
                advanceRecoveryPoint(end);
            });
        }
        done.join();
    }

    @Override
    public synchronized void close() throws IOException {
        CompletableFuture<Void> pending;
        synchronized (flushLock) {
            pending = flushChain;
        }
        pending.join();
        for (TxnIndex index : txnIndexes.values()) {
            index.flush();
            index.close();
        }
        for (LogSegment segment : segments.values()) {
            if (segment == segments.lastEntry().getValue()) {
                segment.closeClean();
            } else {
                segment.flush();
                segment.close();
            }
        }
        recoveryPoint = logEndOffset;
    }

    /** Close and remove every file of this log (topic deletion). */
    public synchronized void delete() throws IOException {
        for (TxnIndex index : txnIndexes.values()) {
            index.close();
        }
        for (LogSegment segment : segments.values()) {
            segment.close();
        }
        segments.clear();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
