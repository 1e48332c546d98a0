package dev.floe.broker.http;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.log.TimestampOffset;
import dev.floe.broker.tier.TieringService;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads records for the HTTP API from the same logs as Fetch, from local segments or, below the local log,
 * from object storage. Blocking: call it off the event loop.
 */
final class RecordReader {
    /** Records read and the offset to continue from. */
    record Page(List<JsonObject> records, long nextOffset, long highWatermark, long logStartOffset) {
    }

    private final LogManager logs;
    private final TieringService tier;

    RecordReader(LogManager logs, TieringService tier) {
        this.logs = logs;
        this.tier = tier;
    }

    /**
     * Whether reading {@code tp} from {@code offset} (or searching it by time, with a negative offset) may go to
     * object storage: such reads run on the tier executor, not on the I/O threads appends and local reads use.
     */
    boolean mayReadRemote(TopicPartition tp, long offset) {
        PartitionLog log = logs.log(tp);
        return tier != null && log != null && log.config().remoteStorage()
                && (offset < 0 || offset < log.logStartOffset());
    }

    PartitionLog log(TopicPartition tp) {
        PartitionLog log = logs.log(tp);
        if (log == null) {
            throw Problem.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "there is no partition " + tp);
        }
        return log;
    }

    long earliest(TopicPartition tp) {
        PartitionLog log = log(tp);
        long remote = tier == null ? -1 : tier.remoteStart(tp);
        return remote >= 0 ? Math.min(remote, log.logStartOffset()) : log.logStartOffset();
    }

    /** The offset of the first record at or after the timestamp; the high watermark when there is none. */
    long offsetForTimestamp(TopicPartition tp, long timestamp) throws IOException {
        PartitionLog log = log(tp);
        TimestampOffset found = log.offsetForTimestamp(timestamp);
        if (tier != null) {
            TimestampOffset cold = tier.offsetForTimestamp(tp, timestamp);
            if (cold != null && (found == null || cold.offset() < found.offset())) {
                found = cold;
            }
        }
        return found == null ? log.highWatermark() : found.offset();
    }

    /** Up to {@code limit} records from {@code offset}, about {@code maxBytes} of them. */
    Page read(TopicPartition tp, long offset, int limit, int maxBytes) throws IOException {
        PartitionLog log = log(tp);
        long start = earliest(tp);
        if (offset < start || offset > log.highWatermark()) {
            throw Problem.of(Errors.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + tp + " is outside "
                    + start + " to " + log.highWatermark());
        }
        List<JsonObject> out = new ArrayList<>();
        long next = offset;
        int bytes = 0;
        while (out.size() < limit && next < log.highWatermark() && bytes < maxBytes) {
            ByteBuffer chunk = chunk(log, tp, next, maxBytes - bytes);
            if (chunk == null || !chunk.hasRemaining()) {
                break;
            }
            bytes += chunk.remaining();
            long before = next;
            for (RecordBatch batch : MemoryRecords.readableRecords(chunk).batches()) {
                if (batch.isControlBatch()) {
                    // A transaction marker is not a record of the topic: skipped, as Kafka consumers skip it.
                    next = Math.max(next, batch.lastOffset() + 1);
                    continue;
                }
                boolean logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
                for (Record r : batch) {
                    if (r.offset() >= next && out.size() < limit) {
                        out.add(RecordCodec.encode(tp.topic(), tp.partition(), logAppendTime ? batch.maxTimestamp() : r.timestamp(), r));
                        next = r.offset() + 1;
                    }
                }
                if (out.size() < limit) {
                    next = Math.max(next, batch.lastOffset() + 1);
                }
            }
            if (next == before) {
                break;
            }
        }
        return new Page(out, next, log.highWatermark(), start);
    }

    private ByteBuffer chunk(PartitionLog log, TopicPartition tp, long offset, int maxBytes) throws IOException {
        if (offset < log.logStartOffset() && tier != null) {
            return tier.read(tp, offset, Math.max(maxBytes, 1));
        }
        ReadResult read = log.read(offset, Math.max(maxBytes, 1), true);
        return read.error() == Errors.NONE ? read.slice().readAll() : null;
    }
}
