package dev.floe.broker.cleaner;

/**
 * What the cleaner obeys for one topic, from its configs: whether {@code cleanup.policy} includes compact, and
 * Kafka's min.cleanable.dirty.ratio, min.compaction.lag.ms, max.compaction.lag.ms, delete.retention.ms and
 * segment.bytes (the most a group of cleaned segments may add up to).
 */
public record CompactionSettings(boolean compact, double minCleanableDirtyRatio, long minCompactionLagMs,
                                 long maxCompactionLagMs, long deleteRetentionMs, long segmentBytes) {
    public static final CompactionSettings NONE = new CompactionSettings(false, 0.5, 0, Long.MAX_VALUE, 86_400_000L,
            1L << 30);

    /** The same settings with cleaned segments never merged (a group is one segment). */
    public CompactionSettings withoutMerging() {
        return new CompactionSettings(compact, minCleanableDirtyRatio, minCompactionLagMs, maxCompactionLagMs,
                deleteRetentionMs, 0);
    }
}
