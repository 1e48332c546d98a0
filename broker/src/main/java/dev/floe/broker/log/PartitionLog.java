package dev.floe.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
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
    private final SegmentReaper reaper;
    private final Consumer<TopicPartition> onAppend;
    private volatile LogConfig config;
    private volatile ReadLimit readLimit;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile int leaderEpoch;
    /** Messages appended since the active segment was last fsynced, and when that was (flush.messages/flush.ms). */
    private long unflushedMessages;
    private long lastFlushMs = System.currentTimeMillis();

    private PartitionLog(TopicPartition tp, Path dir, LogConfig config, SegmentReaper reaper,
                         Consumer<TopicPartition> onAppend) {
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

    /** As above; a log with no segments yet starts at {@code initialOffset}. */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean cleanShutdown,
                                    SegmentReaper reaper, Consumer<TopicPartition> onAppend, long initialOffset)
            throws IOException {
        Files.createDirectories(dir);
        PartitionLog log = new PartitionLog(tp, dir, config, reaper, onAppend);
        log.load(cleanShutdown, initialOffset);
        return log;
    }

    private void load(boolean cleanShutdown, long initialOffset) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(SegmentNames.DELETED)) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(SegmentNames.LOG) && SegmentNames.baseOffsetOf(name) >= 0) {
                    bases.add(SegmentNames.baseOffsetOf(name));
                }
            }
        }
        bases.sort(Long::compare);
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            boolean active = i == bases.size() - 1;
            long sizeBefore = Files.size(SegmentNames.logFile(dir, base));
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                    active, cleanShutdown || !active, !cleanShutdown && active);
            int cut = segment.truncatedBytes(sizeBefore);
            if (cut > 0) {
                LOG.warnf("%s: recovered segment %d after an unclean shutdown, cut %d bytes of torn or corrupt data",
                        tp, base, cut);
            }
            segments.put(base, segment);
        }
        if (segments.isEmpty()) {
            segments.put(initialOffset, LogSegment.create(dir, initialOffset, config.indexIntervalBytes(),
                    config.segmentIndexBytes()));
        }
        logStartOffset = segments.firstKey();
        LogSegment active = segments.lastEntry().getValue();
        logEndOffset = Math.max(active.baseOffset(), active.lastOffset() + 1);
        publishReadLimit(logEndOffset);
        // Producers seen only in segments that retention (or tiering) already removed live on in the snapshot
        // taken at the log start; the local segments replay on top of it.
        byte[] snapshot = ProducerSnapshots.read(dir, logStartOffset);
        if (snapshot != null && !producers.loadFrom(snapshot)) {
            LOG.warnf("%s: producer snapshot at %d is corrupt; producer state comes from the local segments only",
                    tp, logStartOffset);
        }
        ProducerSnapshots.deleteBefore(dir, logStartOffset);
        for (LogSegment segment : segments.values()) {
            segment.forEachBatch(producers::record);
        }
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
            producers.record(header);
            at += header.sizeInBytes();
        }
        logEndOffset = next;
        maybeFlush(active, count, now, cfg);
        publishReadLimit(next);
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

    /** Seal the active segment and start a new one at the log end. */
    public synchronized LogSegment roll(String reason) throws IOException {
        LogSegment active = segments.lastEntry().getValue();
        if (active.size() == 0) {
            return active;
        }
        active.seal();
        ProducerSnapshots.write(dir, logEndOffset, producers.toBytes());
        LogSegment fresh = LogSegment.create(dir, logEndOffset, config.indexIntervalBytes(), config.segmentIndexBytes());
        segments.put(logEndOffset, fresh);
        LOG.debugf("%s: rolled segment %d (%d bytes) because %s", tp, active.baseOffset(), active.size(), reason);
        return fresh;
    }

    private void publishReadLimit(long highWatermark) {
        LogSegment active = segments.lastEntry().getValue();
        readLimit = new ReadLimit(highWatermark, active.baseOffset(), active.size());
    }

    /**
     * Bytes of whole batches from the one holding {@code offset}, up to {@code maxBytes} (the last batch may be
     * cut, as Kafka does; clients drop a partial trailing batch) and never past the high watermark.
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneBatch) throws IOException {
        ReadLimit limit = readLimit;
        long start = logStartOffset;
        if (offset < start || offset > limit.offset()) {
            if (offset > limit.offset() && offset <= logEndOffset) {
                return ReadResult.empty(limit.offset(), start);
            }
            return ReadResult.outOfRange(limit.offset(), start);
        }
        if (offset == limit.offset()) {
            return ReadResult.empty(limit.offset(), start);
        }
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
                return new ReadResult(Errors.NONE, segment.slice(position, length, end), limit.offset(), start);
            }
        }
        return ReadResult.empty(limit.offset(), start);
    }

    /** The first record at or after {@code timestamp}, or null when every record is older. */
    public TimestampOffset offsetForTimestamp(long timestamp) throws IOException {
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
            boolean expired = retentionMs >= 0 && oldest.maxTimestamp() >= 0 && now - oldest.maxTimestamp() > retentionMs;
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
        logStartOffset = segments.firstKey();
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

    public void flush() throws IOException {
        segments.lastEntry().getValue().flush();
    }

    @Override
    public synchronized void close() throws IOException {
        for (LogSegment segment : segments.values()) {
            if (segment == segments.lastEntry().getValue()) {
                segment.closeClean();
            } else {
                segment.close();
            }
        }
    }

    /** Close and remove every file of this log (topic deletion). */
    public synchronized void delete() throws IOException {
        for (LogSegment segment : segments.values()) {
            segment.close();
        }
        segments.clear();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
