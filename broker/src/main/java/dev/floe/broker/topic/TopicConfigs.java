package dev.floe.broker.topic;

import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.log.LogConfig;
import dev.floe.crds.topic.TopicConfigCatalog;
import dev.floe.crds.topic.TopicConfigKey;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The catalogue of topic configs Floe implements, with the broker's defaults behind them. A config Floe does
 * not implement is refused by name, never silently accepted.
 */
public final class TopicConfigs {
    public static final String CLEANUP_POLICY = TopicConfigCatalog.CLEANUP_POLICY;
    public static final String COMPRESSION_TYPE = TopicConfigCatalog.COMPRESSION_TYPE;
    public static final String RETENTION_MS = TopicConfigCatalog.RETENTION_MS;
    public static final String RETENTION_BYTES = TopicConfigCatalog.RETENTION_BYTES;
    public static final String SEGMENT_BYTES = TopicConfigCatalog.SEGMENT_BYTES;
    public static final String SEGMENT_MS = TopicConfigCatalog.SEGMENT_MS;
    public static final String MAX_MESSAGE_BYTES = TopicConfigCatalog.MAX_MESSAGE_BYTES;
    public static final String TIMESTAMP_TYPE = TopicConfigCatalog.TIMESTAMP_TYPE;
    public static final String INDEX_INTERVAL_BYTES = TopicConfigCatalog.INDEX_INTERVAL_BYTES;
    public static final String SEGMENT_INDEX_BYTES = TopicConfigCatalog.SEGMENT_INDEX_BYTES;
    public static final String LOCAL_RETENTION_MS = TopicConfigCatalog.LOCAL_RETENTION_MS;
    public static final String LOCAL_RETENTION_BYTES = TopicConfigCatalog.LOCAL_RETENTION_BYTES;
    public static final String REMOTE_STORAGE_ENABLE = TopicConfigCatalog.REMOTE_STORAGE_ENABLE;
    public static final String MIN_INSYNC_REPLICAS = TopicConfigCatalog.MIN_INSYNC_REPLICAS;

    private final BrokerConfig.Defaults defaults;
    private final boolean remoteStorageDefault;

    public TopicConfigs(BrokerConfig.Defaults defaults, boolean remoteStorageDefault) {
        this.defaults = defaults;
        this.remoteStorageDefault = remoteStorageDefault;
    }

    /** Null when every entry is a known config with an acceptable value, else the first problem. */
    public static String problem(Map<String, String> configs) {
        return TopicConfigCatalog.problem(configs);
    }

    public static boolean isKnown(String name) {
        return TopicConfigCatalog.isKnown(name);
    }

    /** The config type code DescribeConfigs v3+ reports (Kafka's ConfigType ids). */
    public static byte typeCode(String name) {
        TopicConfigKey key = TopicConfigCatalog.keys().get(name);
        if (key == null) {
            return 0;
        }
        return switch (key.type()) {
            case BOOLEAN -> 1;
            case STRING -> 2;
            case INT -> 3;
            case LONG -> 5;
            case LIST -> 7;
        };
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
