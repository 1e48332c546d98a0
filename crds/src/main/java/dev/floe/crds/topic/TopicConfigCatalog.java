package dev.floe.crds.topic;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.floe.crds.topic.ConfigRule.ANY;
import static dev.floe.crds.topic.ConfigRule.atLeast;
import static dev.floe.crds.topic.ConfigRule.between;
import static dev.floe.crds.topic.ConfigRule.betweenOrEqual;
import static dev.floe.crds.topic.ConfigRule.eachOneOf;
import static dev.floe.crds.topic.ConfigRule.oneOf;
import static dev.floe.crds.topic.ConfigRule.ratio;
import static dev.floe.crds.topic.ConfigRule.throttledReplicas;

/**
 * Every topic config of Apache Kafka 4.x (as its LogConfig defines them), with Kafka's types, defaults and value
 * rules, plus the few values Floe refuses because the feature behind them is not built. Part of the public API:
 * the operator refuses a Topic that breaks these rules and the brokers refuse the same over Kafka, so both read
 * them from here. {@code message.downconversion.enable} is absent on purpose: Kafka 4.0 removed it.
 */
public final class TopicConfigCatalog {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FOLLOWER_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    public static final String LEADER_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String LOCAL_RETENTION_BYTES = "local.retention.bytes";
    public static final String LOCAL_RETENTION_MS = "local.retention.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String PREALLOCATE = "preallocate";
    public static final String REMOTE_LOG_COPY_DISABLE = "remote.log.copy.disable";
    public static final String REMOTE_LOG_DELETE_ON_DISABLE = "remote.log.delete.on.disable";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    /** The codecs of compression.type, in Kafka's order (its error message lists them so). */
    public static final List<String> COMPRESSION_TYPES = List.of("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer");

    private static final String MAX_LONG = Long.toString(Long.MAX_VALUE);
    private static final Map<String, TopicConfigKey> KEYS = new LinkedHashMap<>();

    static {
        add(CLEANUP_POLICY, TopicConfigKey.Type.LIST, "delete", eachOneOf("compact", "delete"));
        add(COMPRESSION_TYPE, TopicConfigKey.Type.STRING, "producer", oneOf(COMPRESSION_TYPES.toArray(String[]::new)));
        add(COMPRESSION_GZIP_LEVEL, TopicConfigKey.Type.INT, "-1", betweenOrEqual(1, 9, -1));
        add(COMPRESSION_LZ4_LEVEL, TopicConfigKey.Type.INT, "9", between(1, 17));
        add(COMPRESSION_ZSTD_LEVEL, TopicConfigKey.Type.INT, "3", between(-131072, 22));
        add(DELETE_RETENTION_MS, TopicConfigKey.Type.LONG, "86400000", atLeast(0));
        add(FILE_DELETE_DELAY_MS, TopicConfigKey.Type.LONG, "60000", atLeast(0));
        add(FLUSH_MESSAGES, TopicConfigKey.Type.LONG, MAX_LONG, atLeast(1));
        add(FLUSH_MS, TopicConfigKey.Type.LONG, MAX_LONG, atLeast(0));
        add(FOLLOWER_THROTTLED_REPLICAS, TopicConfigKey.Type.LIST, "", throttledReplicas(FOLLOWER_THROTTLED_REPLICAS));
        add(INDEX_INTERVAL_BYTES, TopicConfigKey.Type.INT, "4096", atLeast(0));
        add(LEADER_THROTTLED_REPLICAS, TopicConfigKey.Type.LIST, "", throttledReplicas(LEADER_THROTTLED_REPLICAS));
        add(LOCAL_RETENTION_BYTES, TopicConfigKey.Type.LONG, "-2", atLeast(-2));
        add(LOCAL_RETENTION_MS, TopicConfigKey.Type.LONG, "-2", atLeast(-2));
        add(MAX_COMPACTION_LAG_MS, TopicConfigKey.Type.LONG, MAX_LONG, atLeast(1));
        add(MAX_MESSAGE_BYTES, TopicConfigKey.Type.INT, "1048588", atLeast(0));
        add(TIMESTAMP_AFTER_MAX_MS, TopicConfigKey.Type.LONG, "3600000", atLeast(0));
        add(TIMESTAMP_BEFORE_MAX_MS, TopicConfigKey.Type.LONG, MAX_LONG, atLeast(0));
        add(TIMESTAMP_TYPE, TopicConfigKey.Type.STRING, "CreateTime", oneOf("CreateTime", "LogAppendTime"));
        add(MIN_CLEANABLE_DIRTY_RATIO, TopicConfigKey.Type.DOUBLE, "0.5", ratio());
        add(MIN_COMPACTION_LAG_MS, TopicConfigKey.Type.LONG, "0", atLeast(0));
        add(MIN_INSYNC_REPLICAS, TopicConfigKey.Type.INT, "1", atLeast(1));
        add(PREALLOCATE, TopicConfigKey.Type.BOOLEAN, "false", ANY);
        add(REMOTE_LOG_COPY_DISABLE, TopicConfigKey.Type.BOOLEAN, "false", ANY);
        add(REMOTE_LOG_DELETE_ON_DISABLE, TopicConfigKey.Type.BOOLEAN, "false", ANY);
        add(REMOTE_STORAGE_ENABLE, TopicConfigKey.Type.BOOLEAN, "false", ANY);
        add(RETENTION_BYTES, TopicConfigKey.Type.LONG, "-1", ANY);
        add(RETENTION_MS, TopicConfigKey.Type.LONG, "604800000", atLeast(-1));
        add(SEGMENT_BYTES, TopicConfigKey.Type.INT, "1073741824", atLeast(1048576));
        add(SEGMENT_INDEX_BYTES, TopicConfigKey.Type.INT, "10485760", atLeast(4));
        add(SEGMENT_JITTER_MS, TopicConfigKey.Type.LONG, "0", atLeast(0));
        add(SEGMENT_MS, TopicConfigKey.Type.LONG, "604800000", atLeast(1));
        add(UNCLEAN_LEADER_ELECTION_ENABLE, TopicConfigKey.Type.BOOLEAN, "false", ANY);
    }

    private TopicConfigCatalog() {
    }

    private static void add(String name, TopicConfigKey.Type type, String kafkaDefault, ConfigRule rule) {
        KEYS.put(name, new TopicConfigKey(name, type, kafkaDefault, rule));
    }

    public static Map<String, TopicConfigKey> keys() {
        return Collections.unmodifiableMap(KEYS);
    }

    /** Apache Kafka's default of every topic config. */
    public static Map<String, String> kafkaDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        KEYS.values().forEach(k -> defaults.put(k.name(), k.kafkaDefault()));
        return defaults;
    }

    /**
     * Null when every entry is a known config with a value Kafka accepts and Floe can honour, else the first
     * problem, worded as Kafka words it. Relations between configs are checked against Kafka's defaults for the
     * configs not given.
     */
    public static String problem(Map<String, String> configs) {
        return problem(configs, kafkaDefaults());
    }

    /** As {@link #problem(Map)}, with the relations between configs checked against {@code defaults}. */
    public static String problem(Map<String, String> configs, Map<String, String> defaults) {
        for (String name : configs.keySet()) {
            if (!KEYS.containsKey(name)) {
                return "Unknown topic config name: " + name;
            }
        }
        for (TopicConfigKey key : KEYS.values()) {
            if (!configs.containsKey(key.name())) {
                continue;
            }
            String problem = key.problem(configs.get(key.name()));
            if (problem == null) {
                problem = FloeRefusals.problem(key, configs.get(key.name()));
            }
            if (problem != null) {
                return problem;
            }
        }
        Map<String, String> effective = new LinkedHashMap<>(kafkaDefaults());
        effective.putAll(defaults);
        effective.putAll(configs);
        // Unlike Kafka, a compacted topic may be tiered when it says so itself: the broker compacts its uploaded
        // segments by rewriting them in the bucket (docs/tiered-storage.md). A broker-wide tiering default still
        // keeps compacted topics local (see isTiered), so Streams' and Connect's internal topics stay on disk.
        return TopicConfigRelations.problem(effective);
    }

    /** Whether the topic's cleanup.policy (in {@code effective}, every config with a value) includes compact. */
    public static boolean isCompacted(Map<String, String> effective) {
        return ((List<?>) KEYS.get(CLEANUP_POLICY).parse(effective.get(CLEANUP_POLICY))).contains("compact");
    }

    /**
     * Whether a topic with these {@code overrides} is tiered, given {@code effective} values: remote.storage.enable,
     * except that a compacted topic is tiered only when it says so itself, never by a broker-wide default.
     */
    public static boolean isTiered(Map<String, String> overrides, Map<String, String> effective) {
        if (isCompacted(effective) && !overrides.containsKey(REMOTE_STORAGE_ENABLE)) {
            return false;
        }
        return Boolean.parseBoolean(effective.get(REMOTE_STORAGE_ENABLE).trim());
    }

    public static boolean isKnown(String name) {
        return KEYS.containsKey(name);
    }
}
