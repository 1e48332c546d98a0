package dev.floe.broker.cleaner;

import dev.floe.broker.log.BatchHeader;
import dev.floe.broker.log.LogSegment;
import dev.floe.broker.log.PartitionLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Which part of a log the cleaner may work on now. Only whole sealed segments below {@code firstUncleanable}:
 * that is below the active segment, below the high watermark (a record the ISR does not have yet may still be
 * truncated, and must not have replaced an older value), and below the first segment holding a record newer than
 * min.compaction.lag.ms. Segments below {@code firstDirty} (where the last clean ended) are the clean part; the
 * rest up to the bound is dirty, and the dirty ratio is its share of the bytes, as in Kafka.
 */
record CleanableRange(long firstDirty, long firstUncleanable, long cleanBytes, long dirtyBytes,
                      boolean maxLagExceeded, List<LogSegment> cleanable) {

    double dirtyRatio() {
        long total = cleanBytes + dirtyBytes;
        return total == 0 ? 0 : (double) dirtyBytes / total;
    }

    static CleanableRange of(PartitionLog log, long checkpoint, CompactionSettings settings, long now)
            throws IOException {
        List<LogSegment> segments = log.segments();
        long bound = Math.min(log.activeSegmentBase(), log.highWatermark());
        long firstBase = segments.get(0).baseOffset();
        // A checkpoint outside the log (the log was truncated or recreated since) means nothing is known clean.
        long firstDirty = checkpoint < firstBase || checkpoint > log.logEndOffset() ? firstBase : checkpoint;
        List<LogSegment> cleanable = new java.util.ArrayList<>();
        long cleanBytes = 0;
        long dirtyBytes = 0;
        boolean maxLagExceeded = false;
        for (int i = 0; i + 1 < segments.size(); i++) {
            LogSegment segment = segments.get(i);
            long next = segments.get(i + 1).baseOffset();
            if (next > bound) {
                break;
            }
            boolean dirty = next > firstDirty;
            if (dirty && settings.minCompactionLagMs() > 0 && segment.size() > 0
                    && segment.maxTimestamp() > now - settings.minCompactionLagMs()) {
                bound = segment.baseOffset();
                break;
            }
            cleanable.add(segment);
            if (dirty) {
                dirtyBytes += segment.size();
                if (!maxLagExceeded && settings.maxCompactionLagMs() < Long.MAX_VALUE && segment.size() > 0) {
                    long firstTimestamp = firstBatchTimestamp(segment);
                    maxLagExceeded = firstTimestamp >= 0 && now - firstTimestamp > settings.maxCompactionLagMs();
                }
            } else {
                cleanBytes += segment.size();
            }
        }
        long firstUncleanable = cleanable.isEmpty() ? Math.min(bound, firstBase)
                : segments.get(cleanable.size()).baseOffset();
        return new CleanableRange(Math.min(firstDirty, firstUncleanable), firstUncleanable, cleanBytes, dirtyBytes,
                maxLagExceeded, List.copyOf(cleanable));
    }

    /** The first batch's max timestamp: the age max.compaction.lag.ms is measured from, as Kafka does. */
    private static long firstBatchTimestamp(LogSegment segment) throws IOException {
        ByteBuffer header = segment.read(0, BatchHeader.SIZE);
        return header.remaining() < BatchHeader.SIZE ? -1 : BatchHeader.read(header, 0).maxTimestamp();
    }
}
