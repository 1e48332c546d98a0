package dev.floe.tier.remote;

import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Offset and time indexes for a segment log held in memory (a compaction rewrite has no local files to upload),
 * in the broker's index format that {@link RemotePartition} reads: offset index entries of (int relative offset,
 * int position), time index entries of (long timestamp, int relative offset), both sparse, one entry at most every
 * {@code intervalBytes} of log. Batch positions and timestamps come from kafka-clients' batch classes.
 */
final class RemoteIndexes {
    /** Kafka's default index.interval.bytes. */
    static final int INTERVAL_BYTES = 4096;

    record Built(byte[] offsetIndex, byte[] timeIndex, long maxTimestamp, long lastOffset) {
    }

    private RemoteIndexes() {
    }

    static Built build(long baseOffset, ByteBuffer log, int intervalBytes) {
        ByteArrayOutputStream offsets = new ByteArrayOutputStream();
        ByteArrayOutputStream times = new ByteArrayOutputStream();
        ByteBuffer entry = ByteBuffer.allocate(12);
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long lastIndexedTimestamp = RecordBatch.NO_TIMESTAMP;
        long lastOffset = -1;
        int position = 0;
        int sinceLastEntry = Integer.MAX_VALUE;
        for (RecordBatch batch : MemoryRecords.readableRecords(log.duplicate()).batches()) {
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            if (sinceLastEntry >= intervalBytes) {
                int relative = (int) (batch.baseOffset() - baseOffset);
                entry.clear();
                entry.putInt(relative).putInt(position);
                offsets.write(entry.array(), 0, 8);
                if (maxTimestamp > lastIndexedTimestamp) {
                    entry.clear();
                    entry.putLong(maxTimestamp).putInt((int) (batch.lastOffset() - baseOffset));
                    times.write(entry.array(), 0, 12);
                    lastIndexedTimestamp = maxTimestamp;
                }
                sinceLastEntry = 0;
            }
            sinceLastEntry += batch.sizeInBytes();
            position += batch.sizeInBytes();
            lastOffset = batch.lastOffset();
        }
        return new Built(offsets.toByteArray(), times.toByteArray(), maxTimestamp, lastOffset);
    }
}
