package dev.floe.crds.topic;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The topic configs Floe accepts in {@code Topic.spec.config} and over the Kafka protocol, with their limits. Part of
 * the public API: the operator refuses a Topic that breaks these rules and the brokers refuse the same over Kafka, so
 * both read them from here.
 */
public final class TopicConfigCatalog {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String LOCAL_RETENTION_MS = "local.retention.ms";
    public static final String LOCAL_RETENTION_BYTES = "local.retention.bytes";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    private static final Map<String, TopicConfigKey> KEYS = new LinkedHashMap<>();

    static {
        add(TopicConfigKey.ofChoice(CLEANUP_POLICY, Set.of("delete"),
                "log compaction is not implemented in Floe yet; only cleanup.policy=delete is"));
        add(TopicConfigKey.ofChoice(COMPRESSION_TYPE, Set.of("producer"),
                "Floe stores batches compressed as the producer sent them; only compression.type=producer is"));
        add(TopicConfigKey.ofLong(RETENTION_MS, -1));
        add(TopicConfigKey.ofLong(RETENTION_BYTES, -1));
        add(TopicConfigKey.ofInt(SEGMENT_BYTES, 1024));
        add(TopicConfigKey.ofLong(SEGMENT_MS, 1));
        add(TopicConfigKey.ofInt(MAX_MESSAGE_BYTES, 0));
        add(TopicConfigKey.ofChoice(TIMESTAMP_TYPE, Set.of("CreateTime", "LogAppendTime"), null));
        add(TopicConfigKey.ofInt(INDEX_INTERVAL_BYTES, 0));
        add(TopicConfigKey.ofInt(SEGMENT_INDEX_BYTES, 4096));
        add(TopicConfigKey.ofLong(LOCAL_RETENTION_MS, -2));
        add(TopicConfigKey.ofLong(LOCAL_RETENTION_BYTES, -2));
        add(TopicConfigKey.ofBoolean(REMOTE_STORAGE_ENABLE));
        add(TopicConfigKey.ofInt(MIN_INSYNC_REPLICAS, 1));
    }

    private TopicConfigCatalog() {
    }

    private static void add(TopicConfigKey key) {
        KEYS.put(key.name(), key);
    }

    public static Map<String, TopicConfigKey> keys() {
        return Collections.unmodifiableMap(KEYS);
    }

    /** Null when every entry is a known config with an acceptable value, else the first problem. */
    public static String problem(Map<String, String> configs) {
        for (Map.Entry<String, String> e : configs.entrySet()) {
            TopicConfigKey key = KEYS.get(e.getKey());
            if (key == null) {
                return "unknown topic config '" + e.getKey() + "'; Floe supports " + String.join(", ", KEYS.keySet());
            }
            String problem = key.problem(e.getValue());
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    public static boolean isKnown(String name) {
        return KEYS.containsKey(name);
    }
}
