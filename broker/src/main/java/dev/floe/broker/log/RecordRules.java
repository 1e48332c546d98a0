package dev.floe.broker.log;

import org.apache.kafka.common.compress.Compression;

/**
 * What the leader checks and does to a producer's records before they are stored: the codec batches are kept in
 * (compression.type, null for "as the producer sent them"), the window a CreateTime timestamp must fall in
 * (message.timestamp.before.max.ms / after.max.ms), and the in-sync replicas an acks=all produce needs
 * (min.insync.replicas), and whether every record needs a key (a compacted topic: the cleaner keeps the latest
 * record per key, so a keyless record has no meaning there, and Kafka refuses it).
 */
public record RecordRules(Compression compression, long timestampBeforeMaxMs, long timestampAfterMaxMs,
                          int minInsyncReplicas, boolean keysRequired) {
    public static final RecordRules AS_SENT = new RecordRules(null, Long.MAX_VALUE, Long.MAX_VALUE, 1);

    public RecordRules(Compression compression, long timestampBeforeMaxMs, long timestampAfterMaxMs,
                       int minInsyncReplicas) {
        this(compression, timestampBeforeMaxMs, timestampAfterMaxMs, minInsyncReplicas, false);
    }

    public RecordRules(Compression compression, long timestampBeforeMaxMs, long timestampAfterMaxMs) {
        this(compression, timestampBeforeMaxMs, timestampAfterMaxMs, 1);
    }

    public boolean recompresses() {
        return compression != null;
    }

    public boolean boundsTimestamps() {
        return timestampBeforeMaxMs != Long.MAX_VALUE || timestampAfterMaxMs != Long.MAX_VALUE;
    }
}
