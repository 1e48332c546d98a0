package dev.floe.broker.produce;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.RecordRules;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Kafka's message.timestamp.before.max.ms / after.max.ms: with CreateTime, every record's own timestamp must lie
 * within [now - before, now + after] or the whole partition's produce is refused with INVALID_TIMESTAMP. Records
 * are checked one by one (compressed batches are decompressed for it, skipping keys and values), as Kafka does,
 * because a batch header's max timestamp is
 * the producer's claim and says nothing about the earliest record.
 */
public final class TimestampWindow {
    private TimestampWindow() {
    }

    /** Null when every record is inside the window (or the topic uses LogAppendTime), else the refusal. */
    public static AppendResult problem(MemoryRecords records, RecordRules rules, boolean logAppendTime, long now) {
        if (logAppendTime || !rules.boundsTimestamps()) {
            return null;
        }
        long earliest = rules.timestampBeforeMaxMs() >= now ? Long.MIN_VALUE : now - rules.timestampBeforeMaxMs();
        long latest = Long.MAX_VALUE - now <= rules.timestampAfterMaxMs() ? Long.MAX_VALUE : now + rules.timestampAfterMaxMs();
        for (RecordBatch batch : records.batches()) {
            try (CloseableIterator<Record> it = timestampsOf(batch)) {
                while (it.hasNext()) {
                    Record record = it.next();
                    long ts = record.timestamp();
                    if (ts != RecordBatch.NO_TIMESTAMP && (ts < earliest || ts > latest)) {
                        return AppendResult.failed(Errors.INVALID_TIMESTAMP, "Timestamp " + ts + " of message with offset "
                                + record.offset() + " is out of range. The timestamp should be within [" + earliest
                                + ", " + latest + "]");
                    }
                }
            }
        }
        return null;
    }

    private static CloseableIterator<Record> timestampsOf(RecordBatch batch) {
        // Only v2 batches reach here (BatchValidator), and those can be read without copying keys and values.
        return batch instanceof DefaultRecordBatch v2 ? v2.skipKeyValueIterator(BufferSupplier.NO_CACHING)
                : batch.streamingIterator(BufferSupplier.NO_CACHING);
    }
}
