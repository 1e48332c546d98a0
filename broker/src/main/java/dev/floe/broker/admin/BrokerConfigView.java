package dev.floe.broker.admin;

import dev.floe.broker.config.BrokerConfig;
import dev.floe.crds.topic.TopicConfigCatalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The broker's settings under Apache Kafka's broker config names, for DescribeConfigs on a BROKER resource: what
 * {@code kafka-configs --describe --entity-type brokers --all} and admin tools read. Every entry is read-only
 * (Floe's settings come from its environment, see docs/configuration.md); one is marked default when it equals
 * Kafka's default.
 */
public final class BrokerConfigView {
    /** One broker config: Kafka's name, the value in effect, Kafka's ConfigType id and Kafka's default. */
    public record Entry(String name, String value, byte type, String kafkaDefault) {
        public boolean isDefault() {
            return value == null ? kafkaDefault == null : value.equals(kafkaDefault);
        }
    }

    private static final byte BOOLEAN = 1;
    private static final byte STRING = 2;
    private static final byte INT = 3;
    private static final byte LONG = 5;
    private static final byte DOUBLE = 6;
    private static final byte LIST = 7;

    /** Broker-level names of topic configs whose broker name is not "log." + the topic name. */
    private static final Map<String, String> BROKER_NAMES = Map.ofEntries(
            Map.entry(TopicConfigCatalog.COMPRESSION_TYPE, "compression.type"),
            Map.entry(TopicConfigCatalog.COMPRESSION_GZIP_LEVEL, "compression.gzip.level"),
            Map.entry(TopicConfigCatalog.COMPRESSION_LZ4_LEVEL, "compression.lz4.level"),
            Map.entry(TopicConfigCatalog.COMPRESSION_ZSTD_LEVEL, "compression.zstd.level"),
            Map.entry(TopicConfigCatalog.MIN_INSYNC_REPLICAS, "min.insync.replicas"),
            Map.entry(TopicConfigCatalog.UNCLEAN_LEADER_ELECTION_ENABLE, "unclean.leader.election.enable"),
            Map.entry(TopicConfigCatalog.MAX_MESSAGE_BYTES, "message.max.bytes"),
            Map.entry(TopicConfigCatalog.SEGMENT_MS, "log.roll.ms"),
            Map.entry(TopicConfigCatalog.SEGMENT_JITTER_MS, "log.roll.jitter.ms"),
            Map.entry(TopicConfigCatalog.SEGMENT_INDEX_BYTES, "log.index.size.max.bytes"),
            Map.entry(TopicConfigCatalog.FLUSH_MESSAGES, "log.flush.interval.messages"),
            Map.entry(TopicConfigCatalog.FLUSH_MS, "log.flush.interval.ms"),
            Map.entry(TopicConfigCatalog.FILE_DELETE_DELAY_MS, "log.segment.delete.delay.ms"),
            Map.entry(TopicConfigCatalog.DELETE_RETENTION_MS, "log.cleaner.delete.retention.ms"),
            Map.entry(TopicConfigCatalog.MIN_COMPACTION_LAG_MS, "log.cleaner.min.compaction.lag.ms"),
            Map.entry(TopicConfigCatalog.MAX_COMPACTION_LAG_MS, "log.cleaner.max.compaction.lag.ms"),
            Map.entry(TopicConfigCatalog.MIN_CLEANABLE_DIRTY_RATIO, "log.cleaner.min.cleanable.ratio"),
            Map.entry(TopicConfigCatalog.LOCAL_RETENTION_MS, "log.local.retention.ms"),
            Map.entry(TopicConfigCatalog.LOCAL_RETENTION_BYTES, "log.local.retention.bytes"));

    private BrokerConfigView() {
    }

    /** Every entry, in a stable order: the broker's own settings, then the topic defaults under broker names. */
    public static List<Entry> entries(BrokerConfig config, int nodeId, Map<String, String> topicDefaults) {
        List<Entry> out = new ArrayList<>();
        String node = Integer.toString(nodeId);
        int advertisedPort = config.advertisedPort().orElse(config.kafkaPort());
        out.add(new Entry("node.id", node, INT, null));
        out.add(new Entry("broker.id", node, INT, "-1"));
        out.add(new Entry("process.roles", "broker", LIST, ""));
        out.add(new Entry("listeners", "PLAINTEXT://" + config.host() + ":" + config.kafkaPort(), STRING,
                "PLAINTEXT://:9092"));
        out.add(new Entry("advertised.listeners", "PLAINTEXT://" + config.advertisedHost() + ":" + advertisedPort,
                STRING, null));
        out.add(new Entry("log.dirs", config.dataDir(), STRING, null));
        out.add(new Entry("num.partitions", Integer.toString(config.numPartitions()), INT, "1"));
        // A standalone broker is the only replica: its topics always have replication factor 1.
        int defaultRf = "kubernetes".equals(config.cluster().mode()) ? config.defaultReplicationFactor() : 1;
        out.add(new Entry("default.replication.factor", Integer.toString(defaultRf), INT, "1"));
        out.add(new Entry("auto.create.topics.enable", Boolean.toString(config.autoCreateTopics()), BOOLEAN, "true"));
        out.add(new Entry("delete.topic.enable", "true", BOOLEAN, "true"));
        out.add(new Entry("socket.request.max.bytes", Integer.toString(config.maxRequestBytes()), INT, "104857600"));
        out.add(new Entry("offsets.topic.num.partitions", Integer.toString(config.offsetsTopicPartitions()), INT, "50"));
        out.add(new Entry("offsets.topic.replication.factor", "1", INT, "3"));
        out.add(new Entry("group.initial.rebalance.delay.ms", Long.toString(config.groupInitialRebalanceDelayMs()),
                INT, "3000"));
        out.add(new Entry("log.retention.check.interval.ms", Long.toString(config.retentionCheckIntervalMs()), LONG,
                "300000"));
        out.add(new Entry("log.cleaner.enable", "false", BOOLEAN, "true"));
        out.add(new Entry("remote.log.storage.system.enable",
                Boolean.toString(!"none".equals(config.tier().backend())), BOOLEAN, "false"));
        for (Map.Entry<String, String> e : topicDefaults.entrySet()) {
            String topicName = e.getKey();
            if (topicName.contains("replication.throttled.replicas") || topicName.startsWith("remote.")) {
                continue; // topic-only configs with no broker-level counterpart in Kafka
            }
            String name = BROKER_NAMES.getOrDefault(topicName, "log." + topicName);
            String kafkaDefault = TopicConfigCatalog.keys().get(topicName).kafkaDefault();
            out.add(new Entry(name, brokerValue(topicName, e.getValue(), config), typeOf(topicName), kafkaDefault));
        }
        return out;
    }

    /** Where the broker value differs from the topic default it stands for. */
    private static String brokerValue(String topicName, String topicValue, BrokerConfig config) {
        if (topicName.equals(TopicConfigCatalog.FLUSH_MS) && config.flushIntervalMs() > 0) {
            return Long.toString(config.flushIntervalMs());
        }
        return topicValue;
    }

    private static byte typeOf(String topicName) {
        return switch (TopicConfigCatalog.keys().get(topicName).type()) {
            case BOOLEAN -> BOOLEAN;
            case STRING -> STRING;
            case INT -> INT;
            case LONG -> LONG;
            case DOUBLE -> DOUBLE;
            case LIST -> LIST;
        };
    }
}
