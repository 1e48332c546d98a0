package dev.floe.broker.topic;

import dev.floe.broker.cleaner.CompactionSettings;
import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.RecordRules;
import dev.floe.crds.topic.TopicConfigCatalog;
import dev.floe.crds.topic.TopicConfigKey;
import org.apache.kafka.common.compress.Compression;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every Kafka topic config (the catalogue in crds), with the broker's defaults behind them, and what they mean
 * for a partition log.
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
    private final long fileDeleteDelayMs;

    /** {@code fileDeleteDelayMs} is the broker's FLOE_FILE_DELETE_DELAY_MS, the default of file.delete.delay.ms. */
    public TopicConfigs(BrokerConfig.Defaults defaults, boolean remoteStorageDefault, long fileDeleteDelayMs) {
        this.defaults = defaults;
        this.remoteStorageDefault = remoteStorageDefault;
        this.fileDeleteDelayMs = fileDeleteDelayMs;
    }

    /** Null when every entry is a known config with an acceptable value, else the first problem. */
    public String problem(Map<String, String> configs) {
        String problem = TopicConfigCatalog.problem(configs, defaults());
        if (problem == null && !remoteStorageDefault && remote(configs)) {
            // Without a tier backend nothing would upload, and local retention would wait for uploads forever.
            return "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote"
                    + " log storage.";
        }
        return problem;
    }

    /** Null when a topic with configs {@code before} may change to {@code after} (both already valid). */
    public String transitionProblem(Map<String, String> before, Map<String, String> after) {
        if (tiered(before) && !tiered(after) && remote(after)) {
            // Tiered by the broker's default and now compacted: a compacted topic is tiered only when it says so
            // (isTiered), so without the explicit setting its uploaded data would become unreadable.
            return "Remote log storage is unsupported for the compacted topics unless the topic sets"
                    + " remote.storage.enable=true (then its uploaded segments are compacted in the bucket)";
        }
        if (!remote(before) || remote(after)) {
            return null;
        }
        String deleteOnDisable = after.getOrDefault(TopicConfigCatalog.REMOTE_LOG_DELETE_ON_DISABLE, "false").trim();
        if (!Boolean.parseBoolean(deleteOnDisable)) {
            return "It is invalid to disable remote storage without deleting remote data. If you want to keep the"
                    + " remote data and turn to read only, please set `remote.storage.enable=true,"
                    + "remote.log.copy.disable=true`. If you want to disable remote storage and delete all remote"
                    + " data, please set `remote.storage.enable=false,remote.log.delete.on.disable=true`.";
        }
        // Kafka would now delete the topic's objects; Floe cannot yet, and would keep offsets below the local
        // log start that nothing can read any more.
        return "Invalid value false for configuration remote.storage.enable: Floe cannot turn tiered storage off for"
                + " a topic yet (its remote data would be neither read nor deleted); set remote.log.copy.disable=true"
                + " to stop uploads and keep the remote data readable";
    }

    private boolean tiered(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(defaults());
        merged.putAll(overrides);
        return TopicConfigCatalog.isTiered(overrides, merged);
    }

    private boolean remote(Map<String, String> overrides) {
        String value = overrides.getOrDefault(REMOTE_STORAGE_ENABLE, Boolean.toString(remoteStorageDefault));
        return Boolean.parseBoolean(value.trim());
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
            case DOUBLE -> 6;
            case LIST -> 7;
        };
    }

    /** The broker's value for every topic config, as DescribeConfigs shows defaults: Kafka's unless set here. */
    public Map<String, String> defaults() {
        Map<String, String> d = TopicConfigCatalog.kafkaDefaults();
        d.put(RETENTION_MS, Long.toString(defaults.retentionMs()));
        d.put(RETENTION_BYTES, Long.toString(defaults.retentionBytes()));
        d.put(SEGMENT_BYTES, Long.toString(defaults.segmentBytes()));
        d.put(SEGMENT_MS, Long.toString(defaults.segmentMs()));
        d.put(MAX_MESSAGE_BYTES, Integer.toString(defaults.maxMessageBytes()));
        d.put(INDEX_INTERVAL_BYTES, Integer.toString(defaults.indexIntervalBytes()));
        d.put(SEGMENT_INDEX_BYTES, Integer.toString(defaults.segmentIndexBytes()));
        d.put(MIN_INSYNC_REPLICAS, Integer.toString(defaults.minInsyncReplicas()));
        d.put(REMOTE_STORAGE_ENABLE, Boolean.toString(remoteStorageDefault));
        d.put(TopicConfigCatalog.FILE_DELETE_DELAY_MS, Long.toString(fileDeleteDelayMs));
        return d;
    }

    /** The settings a partition log of a topic with these overrides obeys. */
    public LogConfig logConfig(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(defaults());
        merged.putAll(overrides);
        // Kafka deletes by time and size only when cleanup.policy includes delete: compact alone, or an empty
        // policy, never deletes by retention (the log cleaner removes replaced records of compacted topics).
        boolean delete = list(merged, CLEANUP_POLICY).contains("delete");
        long retentionMs = delete ? number(merged, RETENTION_MS) : -1;
        long retentionBytes = delete ? number(merged, RETENTION_BYTES) : -1;
        // A tiered compacted topic keeps its local retention: uploaded segments leave the disk as on any tiered
        // topic (the bucket keeps them, compacted there), or the local log would grow forever.
        boolean localRetention = delete || TopicConfigCatalog.isTiered(overrides, merged);
        long localMs = localRetention ? number(merged, LOCAL_RETENTION_MS) : -1;
        long localBytes = localRetention ? number(merged, LOCAL_RETENTION_BYTES) : -1;
        boolean logAppendTime = "LogAppendTime".equals(merged.get(TIMESTAMP_TYPE).trim());
        return new LogConfig(
                number(merged, SEGMENT_BYTES),
                number(merged, SEGMENT_MS),
                retentionMs,
                retentionBytes,
                (int) number(merged, MAX_MESSAGE_BYTES),
                (int) number(merged, INDEX_INTERVAL_BYTES),
                (int) number(merged, SEGMENT_INDEX_BYTES),
                logAppendTime,
                localMs == -2 ? retentionMs : localMs,
                localBytes == -2 ? retentionBytes : localBytes,
                TopicConfigCatalog.isTiered(overrides, merged),
                Boolean.parseBoolean(merged.get(TopicConfigCatalog.REMOTE_LOG_COPY_DISABLE).trim()),
                new RecordRules(compression(merged),
                        number(merged, TopicConfigCatalog.TIMESTAMP_BEFORE_MAX_MS),
                        number(merged, TopicConfigCatalog.TIMESTAMP_AFTER_MAX_MS),
                        (int) number(merged, MIN_INSYNC_REPLICAS),
                        list(merged, CLEANUP_POLICY).contains("compact")),
                number(merged, TopicConfigCatalog.FLUSH_MESSAGES),
                number(merged, TopicConfigCatalog.FLUSH_MS),
                number(merged, TopicConfigCatalog.FILE_DELETE_DELAY_MS));
    }

    /** What the log cleaner obeys for a topic with these overrides. */
    public CompactionSettings compaction(Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(defaults());
        merged.putAll(overrides);
        return new CompactionSettings(list(merged, CLEANUP_POLICY).contains("compact"),
                Double.parseDouble(merged.get(TopicConfigCatalog.MIN_CLEANABLE_DIRTY_RATIO).trim()),
                number(merged, TopicConfigCatalog.MIN_COMPACTION_LAG_MS),
                number(merged, TopicConfigCatalog.MAX_COMPACTION_LAG_MS),
                number(merged, TopicConfigCatalog.DELETE_RETENTION_MS),
                number(merged, SEGMENT_BYTES));
    }

    /** The codec batches are stored in, at the topic's level; null for compression.type=producer. */
    static Compression compression(Map<String, String> merged) {
        String type = merged.get(COMPRESSION_TYPE).trim();
        return switch (type) {
            case "producer" -> null;
            case "uncompressed" -> Compression.NONE;
            case "gzip" -> {
                int level = (int) number(merged, TopicConfigCatalog.COMPRESSION_GZIP_LEVEL);
                yield level == -1 ? Compression.gzip().build() : Compression.gzip().level(level).build();
            }
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().level((int) number(merged, TopicConfigCatalog.COMPRESSION_LZ4_LEVEL)).build();
            case "zstd" -> Compression.zstd().level((int) number(merged, TopicConfigCatalog.COMPRESSION_ZSTD_LEVEL)).build();
            default -> throw new IllegalArgumentException("compression.type " + type + " passed validation but is unknown");
        };
    }

    private static long number(Map<String, String> merged, String name) {
        return Long.parseLong(merged.get(name).trim());
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, String> merged, String name) {
        return (List<String>) TopicConfigCatalog.keys().get(name).parse(merged.get(name));
    }
}
