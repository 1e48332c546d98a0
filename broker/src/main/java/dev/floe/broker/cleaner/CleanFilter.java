package dev.floe.broker.cleaner;

import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.util.OptionalLong;

/**
 * The retain rule of compaction, shared by the local cleaner and the remote one: a record stays unless a later record
 * with the same key is in the offset map; keyless records go (Kafka refuses them on compacted topics); a tombstone
 * stays until the delete horizon stamped on its batch by the first clean that kept it (KIP-534: kafka-clients'
 * {@code filterTo} stamps {@code now + delete.retention.ms} on a batch with tombstones and no horizon yet), then goes.
 * Control batches always stay, and so does every transactional flag of a kept batch ({@code filterTo} rewrites a
 * batch with its producer id, epoch, sequence and flags; a batch whose records all stay is copied byte for byte).
 * Batches left empty are dropped.
 */
final class CleanFilter extends MemoryRecords.RecordFilter {
    private final OffsetMap map;
    private final long now;
    private final long deleteRetentionMs;
    private long earliestHorizon = Long.MAX_VALUE;

    CleanFilter(OffsetMap map, long now, long deleteRetentionMs) {
        super(now, deleteRetentionMs);
        this.map = map;
        this.now = now;
        this.deleteRetentionMs = deleteRetentionMs;
    }

    /** The earliest delete horizon of a tombstone kept so far (Long.MAX_VALUE when none): when to clean again. */
    long earliestHorizon() {
        return earliestHorizon;
    }

    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        return new BatchRetentionResult(BatchRetention.DELETE_EMPTY, false);
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (batch.isControlBatch()) {
            return true;
        }
        if (!record.hasKey()) {
            return false;
        }
        long latest = map.get(record.key());
        if (latest > record.offset()) {
            return false;
        }
        if (!record.hasValue()) {
            OptionalLong horizon = batch.deleteHorizonMs();
            long until = horizon.isPresent() ? horizon.getAsLong() : now + deleteRetentionMs;
            if (horizon.isPresent() && now >= until) {
                return false;
            }
            earliestHorizon = Math.min(earliestHorizon, until);
        }
        return true;
    }
}
