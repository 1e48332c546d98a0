package dev.floe.broker.log;

import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Record-level timestamp searches inside one segment. Batch headers narrow the search; only the batch that
 * holds the answer is opened (and decompressed).
 */
final class TimestampScanner {
    private static final int CHUNK = 1 << 20;

    private TimestampScanner() {
    }

    /** First record with timestamp >= target at or after {@code fromOffset}, below {@code limitOffset}. */
    static TimestampOffset firstAtOrAfter(LogSegment segment, long target, long fromOffset, long limitOffset)
            throws IOException {
        int position = segment.positionOf(fromOffset);
        if (position < 0) {
            return null;
        }
        while (position < segment.size()) {
            ByteBuffer chunk = segment.read(position, CHUNK);
            if (chunk.remaining() < BatchHeader.SIZE) {
                return null;
            }
            int at = 0;
            while (at + BatchHeader.SIZE <= chunk.limit()) {
                BatchHeader header = BatchHeader.read(chunk, at);
                if (header.baseOffset() >= limitOffset) {
                    return null;
                }
                if (at + header.sizeInBytes() > chunk.limit()) {
                    if (at == 0) {
                        chunk = segment.read(position, header.sizeInBytes());
                    } else {
                        break;
                    }
                }
                if (header.maxTimestamp() >= target && header.lastOffset() >= fromOffset) {
                    TimestampOffset found = searchBatch(chunk, at, header, target, fromOffset);
                    if (found != null) {
                        return found;
                    }
                }
                at += header.sizeInBytes();
            }
            position += at;
        }
        return null;
    }

    /** The latest record carrying the segment's maximum timestamp. */
    static TimestampOffset latestMax(LogSegment segment, long limitOffset) throws IOException {
        long max = segment.maxTimestamp();
        TimestampOffset best = null;
        long from = segment.baseOffset();
        while (true) {
            TimestampOffset next = firstAtOrAfter(segment, max, from, limitOffset);
            if (next == null || next.timestamp() != max) {
                return best;
            }
            best = next;
            from = next.offset() + 1;
        }
    }

    private static TimestampOffset searchBatch(ByteBuffer chunk, int at, BatchHeader header, long target,
                                               long fromOffset) {
        ByteBuffer view = chunk.duplicate();
        view.position(at).limit(at + header.sizeInBytes());
        for (RecordBatch batch : MemoryRecords.readableRecords(view.slice()).batches()) {
            boolean logAppendTime = batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME;
            for (Record record : batch) {
                long ts = logAppendTime ? batch.maxTimestamp() : record.timestamp();
                if (record.offset() >= fromOffset && ts >= target) {
                    return new TimestampOffset(ts, record.offset(), header.partitionLeaderEpoch());
                }
            }
        }
        return null;
    }
}
