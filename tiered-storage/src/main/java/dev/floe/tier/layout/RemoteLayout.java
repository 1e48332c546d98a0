package dev.floe.tier.layout;

/**
 * The stable object-key layout of a tiered bucket (docs/tiered-storage.md):
 * {@code <cluster>/<topic>-<topicId>/<partition>/<20-digit base offset>.<log|index|timeindex|manifest.json>}.
 * Every key names its cluster, topic, topic id and partition, so a bucket is readable with no broker.
 * A segment rewritten by compaction keeps its base offset and manifest key; its data objects of generation
 * {@code g > 0} are {@code <base>.c<g>.<kind>}, so a new generation never overwrites the objects a reader or the
 * committed manifest may still point at.
 */
public final class RemoteLayout {
    public static final String LOG = "log";
    public static final String INDEX = "index";
    public static final String TIME_INDEX = "timeindex";
    public static final String MANIFEST = "manifest.json";
    /** Idempotent-producer state as of the end of the segment, for a broker that starts from the bucket. */
    public static final String PRODUCER_SNAPSHOT = "producers";
    /** Aborted transactions whose ABORT marker is in the segment ({@code dev.floe.tier.txn.TxnIndexFormat}); only
     * segments that have one. */
    public static final String TXN_INDEX = "txnindex";
    /**
     * The partition's log start offset moved by DeleteRecords, as decimal text, in the partition directory (not a
     * segment object: its name does not start with a base offset). Absent: the start is the first segment's base.
     */
    public static final String LOG_START = "log-start-offset";
    /** Marks a rewritten generation in a data object key: {@code <base>.c<generation>.<kind>}. */
    public static final String GENERATION_MARK = "c";
    /** Kafka topic ids print as 22 characters of URL-safe base64. */
    private static final int TOPIC_ID_LENGTH = 22;

    private RemoteLayout() {
    }

    public static String clusterPrefix(String cluster) {
        return cluster + "/";
    }

    public static String topicDirectory(String topic, String topicId) {
        return topic + "-" + topicId;
    }

    public static String partitionPrefix(String cluster, String topic, String topicId, int partition) {
        return clusterPrefix(cluster) + topicDirectory(topic, topicId) + "/" + partition + "/";
    }

    public static String logStartKey(String partitionPrefix) {
        return partitionPrefix + LOG_START;
    }

    public static String objectKey(String partitionPrefix, long baseOffset, String kind) {
        return partitionPrefix + String.format("%020d", baseOffset) + "." + kind;
    }

    /** The key of generation {@code generation} of a segment's data object; generation 0 is {@link #objectKey}. */
    public static String objectKey(String partitionPrefix, long baseOffset, int generation, String kind) {
        if (generation == 0) {
            return objectKey(partitionPrefix, baseOffset, kind);
        }
        return partitionPrefix + String.format("%020d", baseOffset) + "." + GENERATION_MARK + generation + "." + kind;
    }

    /** The generation of a data object key: 0 for an original upload, g for {@code <base>.c<g>.<kind>}. */
    public static int generationOf(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int at = name.indexOf("." + GENERATION_MARK);
        if (at != 20) {
            return 0;
        }
        int end = name.indexOf('.', at + 2);
        try {
            return end < 0 ? 0 : Integer.parseInt(name.substring(at + 2, end));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The base offset of a key in a partition directory, or -1 when it is not a segment object. */
    public static long baseOffsetOf(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        if (dot != 20) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Splits a topic directory name into topic and topic id; null when it is not one. */
    public static String[] parseTopicDirectory(String directory) {
        if (directory.length() < TOPIC_ID_LENGTH + 2 || directory.charAt(directory.length() - TOPIC_ID_LENGTH - 1) != '-') {
            return null;
        }
        int split = directory.length() - TOPIC_ID_LENGTH - 1;
        return new String[]{directory.substring(0, split), directory.substring(split + 1)};
    }
}
