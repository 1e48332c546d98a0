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
}
