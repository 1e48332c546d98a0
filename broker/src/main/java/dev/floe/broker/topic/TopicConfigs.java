package dev.floe.broker.topic;

import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.log.LogConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The catalogue of topic configs Floe implements, with the broker's defaults behind them. A config Floe does
 * not implement is refused by name, never silently accepted.
 */
public final class TopicConfigs {
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

    private static void add(TopicConfigKey key) {
        KEYS.put(key.name(), key);
    }

    private final BrokerConfig.Defaults defaults;
    private final boolean remoteStorageDefault;

    public TopicConfigs(BrokerConfig.Defaults defaults, boolean remoteStorageDefault) {
        this.defaults = defaults;
        this.remoteStorageDefault = remoteStorageDefault;
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

    public static byte typeCode(String name) {
        TopicConfigKey key = KEYS.get(name);
        return key == null ? 0 : key.type().code;
    }

    /** The broker's value for every supported config, as DescribeConfigs shows defaults. */
    public Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(CLEANUP_POLICY, "delete");
        d.put(COMPRESSION_TYPE, "producer");
        d.put(RETENTION_MS, Long.toString(defaults.retentionMs()));
        d.put(RETENTION_BYTES, Long.toString(defaults.retentionBytes()));
        d.put(SEGMENT_BYTES, Long.toString(defaults.segmentBytes()));
        d.put(SEGMENT_MS, Long.toString(defaults.segmentMs()));
        d.put(MAX_MESSAGE_BYTES, Integer.toString(defaults.maxMessageBytes()));
        d.put(TIMESTAMP_TYPE, "CreateTime");
        d.put(INDEX_INTERVAL_BYTES, Integer.toString(defaults.indexIntervalBytes()));
        d.put(SEGMENT_INDEX_BYTES, Integer.toString(defaults.segmentIndexBytes()));
        d.put(LOCAL_RETENTION_MS, "-2");
        d.put(LOCAL_RETENTION_BYTES, "-2");
        d.put(REMOTE_STORAGE_ENABLE, Boolean.toString(remoteStorageDefault));
        d.put(MIN_INSYNC_REPLICAS, "1");
        return d;
    }

    /** The settings a partition log of a topic with these overrides obeys. */
    public LogConfig logConfig(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(defaults());
        merged.putAll(overrides);
        long retentionMs = Long.parseLong(merged.get(RETENTION_MS).trim());
        long retentionBytes = Long.parseLong(merged.get(RETENTION_BYTES).trim());
        long localMs = Long.parseLong(merged.get(LOCAL_RETENTION_MS).trim());
        long localBytes = Long.parseLong(merged.get(LOCAL_RETENTION_BYTES).trim());
        return new LogConfig(
                Long.parseLong(merged.get(SEGMENT_BYTES).trim()),
                Long.parseLong(merged.get(SEGMENT_MS).trim()),
                retentionMs,
                retentionBytes,
                Integer.parseInt(merged.get(MAX_MESSAGE_BYTES).trim()),
                Integer.parseInt(merged.get(INDEX_INTERVAL_BYTES).trim()),
                Integer.parseInt(merged.get(SEGMENT_INDEX_BYTES).trim()),
                "LogAppendTime".equals(merged.get(TIMESTAMP_TYPE).trim()),
                localMs == -2 ? retentionMs : localMs,
                localBytes == -2 ? retentionBytes : localBytes,
                Boolean.parseBoolean(merged.get(REMOTE_STORAGE_ENABLE).trim()));
    }
}
