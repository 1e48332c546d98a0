package dev.floe.tier;

import dev.floe.tier.remote.SegmentUpload;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes segment files the way the broker lays them out (docs/storage.md): batches back to back in .log, an
 * offset-index entry per batch, a time-index entry whenever the maximum timestamp rises.
 */
final class TestSegments {
    private TestSegments() {
    }

    /** Value of record {@code offset}: what a test expects to read back. */
    static String value(long offset) {
        return "value-" + offset;
    }

    static long timestamp(long offset) {
        return 1_700_000_000_000L + offset * 10;
    }

    /** {@code batches} batches of {@code perBatch} records from {@code baseOffset}. */
    static SegmentUpload write(Path dir, long baseOffset, int batches, int perBatch, Compression compression) throws IOException {
        Files.createDirectories(dir);
        String name = String.format("%020d", baseOffset);
        ByteBuffer log = ByteBuffer.allocate(batches * (perBatch * 200 + 200));
        ByteBuffer index = ByteBuffer.allocate(batches * 8);
        ByteBuffer timeIndex = ByteBuffer.allocate(batches * 12);
        long offset = baseOffset;
        long maxTs = -1;
        for (int b = 0; b < batches; b++) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(perBatch * 200 + 200),
                    RecordBatch.CURRENT_MAGIC_VALUE, compression, TimestampType.CREATE_TIME, offset);
            for (int r = 0; r < perBatch; r++) {
                long o = offset + r;
                builder.append(new SimpleRecord(timestamp(o), ("key-" + (o % 7)).getBytes(StandardCharsets.UTF_8),
                        value(o).getBytes(StandardCharsets.UTF_8),
                        new RecordHeader[]{new RecordHeader("h", ("hv" + o).getBytes(StandardCharsets.UTF_8))}));
            }
            ByteBuffer batch = builder.build().buffer();
            index.putInt((int) (offset - baseOffset)).putInt(log.position());
            long batchMax = timestamp(offset + perBatch - 1);
            if (batchMax > maxTs) {
                maxTs = batchMax;
                timeIndex.putLong(batchMax).putInt((int) (offset + perBatch - 1 - baseOffset));
            }
            log.put(batch);
            offset += perBatch;
        }
        Path logFile = dir.resolve(name + ".log");
        Path indexFile = dir.resolve(name + ".index");
        Path timeFile = dir.resolve(name + ".timeindex");
        Files.write(logFile, java.util.Arrays.copyOf(log.array(), log.position()));
        Files.write(indexFile, java.util.Arrays.copyOf(index.array(), index.position()));
        Files.write(timeFile, java.util.Arrays.copyOf(timeIndex.array(), timeIndex.position()));
        return new SegmentUpload(baseOffset, offset - 1, maxTs, 0, logFile, indexFile, timeFile);
    }
}
