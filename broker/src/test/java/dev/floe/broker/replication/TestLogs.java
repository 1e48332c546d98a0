package dev.floe.broker.replication;

import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadBound;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.log.SegmentReaper;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/** Real partition logs on disk, and record batches, for the replication tests. */
final class TestLogs {
    private TestLogs() {
    }

    static LogConfig config(long segmentBytes) {
        return new LogConfig(segmentBytes, Long.MAX_VALUE, -1, -1, 1 << 20, 256, 1 << 16, false, -1, -1, false);
    }

    /** A log of a replicated partition (cluster mode): its high watermark starts at {@code highWatermark}. */
    static PartitionLog replicated(TopicPartition tp, Path dir, ScheduledExecutorService scheduler, long highWatermark)
            throws IOException {
        return PartitionLog.open(tp, dir, config(1 << 20), true, new SegmentReaper(scheduler, 0), t -> { }, 0L,
                Runnable::run, -1, highWatermark);
    }

    static MemoryRecords batch(String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024 + values.length * 64),
                RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, TimestampType.CREATE_TIME, 0L,
                System.currentTimeMillis(), -1, (short) -1, -1, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (String v : values) {
            builder.append(System.currentTimeMillis(), null, v.getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    /** Every record value a consumer can read (up to the high watermark). */
    static List<String> consumerView(PartitionLog log) throws IOException {
        return values(log, false);
    }

    /** Every record value in the log (up to its end), as a follower would copy it. */
    static List<String> wholeLog(PartitionLog log) throws IOException {
        return values(log, true);
    }

    private static List<String> values(PartitionLog log, boolean toEnd) throws IOException {
        List<String> values = new ArrayList<>();
        long offset = log.logStartOffset();
        while (true) {
            ReadResult read = log.read(offset, 1 << 20, true, toEnd ? ReadBound.LOG_END : ReadBound.HIGH_WATERMARK);
            if (read.slice().sizeInBytes() == 0) {
                return values;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(read.slice().readAll()).batches()) {
                for (Record r : b) {
                    values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                }
                offset = b.lastOffset() + 1;
            }
        }
    }

    /** What a follower's fetch from {@code offset} would get from {@code leader}: its bytes to the log end. */
    static MemoryRecords fetch(PartitionLog leader, long offset) throws IOException {
        ReadResult read = leader.read(offset, 1 << 20, true, ReadBound.LOG_END);
        return MemoryRecords.readableRecords(read.slice().readAll());
    }
}
