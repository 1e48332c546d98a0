package dev.floe.tier.remote;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The commit record of one uploaded segment, written after its data objects. Its presence means the segment is
 * in the tier; data objects without it are garbage. Format version 1 (docs/tiered-storage.md);
 * {@code producerSnapshotKey} and {@code txnIndexKey} were added later and are null in manifests that have none
 * ({@code txnIndexKey} is also null for a segment with no aborted transaction).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SegmentManifest(int formatVersion, String cluster, String topic, String topicId, int partition,
                              long baseOffset, long lastOffset, long maxTimestamp, long sizeBytes, int leaderEpoch,
                              long uploadedAtMs, String logKey, String indexKey, String timeIndexKey,
                              String producerSnapshotKey,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String txnIndexKey) {
    public static final int FORMAT_VERSION = 1;

    /**
     * Every data object this manifest commits. The one place that lists them: deletion and garbage collection go by
     * it, so a new optional object kind is added here (and in {@link #rewritten}) only.
     */
    public java.util.List<String> dataKeys() {
        java.util.List<String> keys = new java.util.ArrayList<>(java.util.List.of(logKey, indexKey, timeIndexKey));
        if (producerSnapshotKey != null) {
            keys.add(producerSnapshotKey);
        }
        if (txnIndexKey != null) {
            keys.add(txnIndexKey);
        }
        return keys;
    }

    /**
     * This segment after a compaction rewrite: same offsets (lastOffset is kept, so the segment still covers up to
     * the next one even when its last batches were removed), new log and indexes. Objects that describe the
     * segment's end state rather than its records (the producer snapshot) are carried over as they are, and so is
     * the aborted-transaction index: compaction keeps every control batch, so the ABORT markers it lists stay.
     */
    public SegmentManifest rewritten(long newMaxTimestamp, long newSizeBytes, long rewrittenAtMs, String newLogKey,
                                     String newIndexKey, String newTimeIndexKey) {
        return new SegmentManifest(formatVersion, cluster, topic, topicId, partition, baseOffset, lastOffset,
                newMaxTimestamp, newSizeBytes, leaderEpoch, rewrittenAtMs, newLogKey, newIndexKey, newTimeIndexKey,
                producerSnapshotKey, txnIndexKey);
    }
}
