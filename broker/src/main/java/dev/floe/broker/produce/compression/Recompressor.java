package dev.floe.broker.produce.compression;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a producer's batches into a topic's codec (compression.type other than producer), as a Kafka leader
 * does before appending. A batch already in that codec is kept byte for byte, whatever level it was compressed
 * at. A rewritten batch keeps everything but its codec: offset deltas, producer id, epoch and base sequence (so
 * idempotence still works), the transactional flag, each record's timestamp, key, value and headers. Offsets
 * and log-append time are set later by the log, on whichever bytes come out of here.
 *
 * <p>CPU-heavy: call it on the partition's writer thread (the floe-io pool), never on an event loop.
 */
public final class Recompressor {
    private Recompressor() {
    }

    /** What came out: the records to append and how much of the input had to be rewritten. */
    public record Outcome(MemoryRecords records, int batchesRewritten, long bytesBefore, long bytesAfter) {
        public boolean rewritten() {
            return batchesRewritten > 0;
        }
    }

    /** The batches of {@code records} in {@code target}'s codec; the input is returned as is when all already are. */
    public static Outcome toCodec(MemoryRecords records, Compression target) {
        List<ByteBuffer> parts = new ArrayList<>();
        int rewritten = 0;
        long before = 0;
        long after = 0;
        // Batches lie back to back from the buffer's position; `at` follows them to cut out the ones kept.
        int at = records.buffer().position();
        for (MutableRecordBatch batch : records.batches()) {
            int start = at;
            at += batch.sizeInBytes();
            if (batch.compressionType() == target.type()) {
                parts.add(records.buffer().duplicate().limit(at).position(start).slice());
                continue;
            }
            ByteBuffer rebuilt = rewrite(batch, target);
            parts.add(rebuilt);
            rewritten++;
            before += batch.sizeInBytes();
            after += rebuilt.remaining();
        }
        if (rewritten == 0) {
            return new Outcome(records, 0, 0, 0);
        }
        int total = parts.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer joined = ByteBuffer.allocate(total);
        parts.forEach(joined::put);
        joined.flip();
        return new Outcome(MemoryRecords.readableRecords(joined), rewritten, before, after);
    }

    private static ByteBuffer rewrite(RecordBatch batch, Compression target) {
        // The producer always says CreateTime; a LogAppendTime topic stamps the stored batch after this.
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(Math.max(batch.sizeInBytes(), 512)),
                RecordBatch.MAGIC_VALUE_V2, target, TimestampType.CREATE_TIME, batch.baseOffset(),
                RecordBatch.NO_TIMESTAMP, batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                batch.isTransactional(), batch.isControlBatch(), batch.partitionLeaderEpoch());
        try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                Record record = it.next();
                builder.appendWithOffset(record.offset(), record.timestamp(), record.key(), record.value(),
                        record.headers());
            }
        }
        return builder.build().buffer();
    }
}
