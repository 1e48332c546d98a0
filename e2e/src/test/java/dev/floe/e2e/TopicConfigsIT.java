package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every topic config of Kafka 4.x through kafka-clients 4.3's Admin and Kafka's kafka-configs tool: accepted at a
 * non-default value and described back, refused when invalid with the message Apache Kafka gives, and the
 * broker's own settings under Kafka's names. The broker runs with a (directory) tier backend so that
 * remote.storage.enable may be true, as on a Kafka cluster with tiered storage on.
 */
class TopicConfigsIT extends BrokerPerClass {

    @Override
    protected Map<String, String> brokerEnvironment() {
        return Map.of("FLOE_TIER_BACKEND", "file", "FLOE_TIER_DIR", "target/e2e/tier-" + unique("configs"));
    }

    /** A valid value, different from Kafka's default, for each of Kafka 4.x's 33 topic configs. */
    private static Map<String, String> nonDefaults() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("cleanup.policy", "");
        c.put("compression.type", "zstd");
        c.put("compression.gzip.level", "5");
        c.put("compression.lz4.level", "3");
        c.put("compression.zstd.level", "-5");
        c.put("delete.retention.ms", "3600000");
        c.put("file.delete.delay.ms", "30000");
        c.put("flush.messages", "1000");
        c.put("flush.ms", "5000");
        c.put("follower.replication.throttled.replicas", "0:0");
        c.put("index.interval.bytes", "8192");
        c.put("leader.replication.throttled.replicas", "*");
        c.put("local.retention.bytes", "10737418240");
        c.put("local.retention.ms", "86400000");
        c.put("max.compaction.lag.ms", "86400000");
        c.put("max.message.bytes", "2097152");
        c.put("message.timestamp.after.max.ms", "60000");
        c.put("message.timestamp.before.max.ms", "86400000");
        c.put("message.timestamp.type", "LogAppendTime");
        c.put("min.cleanable.dirty.ratio", "0.25");
        c.put("min.compaction.lag.ms", "1000");
        c.put("min.insync.replicas", "2");
        c.put("preallocate", "true");
        c.put("remote.log.copy.disable", "true");
        c.put("remote.log.delete.on.disable", "true");
        c.put("remote.storage.enable", "true");
        c.put("retention.bytes", "10737418240");
        c.put("retention.ms", "86400000");
        c.put("segment.bytes", "2097152");
        c.put("segment.index.bytes", "1048576");
        c.put("segment.jitter.ms", "1000");
        c.put("segment.ms", "3600000");
        c.put("unclean.leader.election.enable", "true");
        return c;
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000));
    }

    @Test
    void everyKafkaTopicConfigIsAcceptedAtANonDefaultValueAndDescribedBack() throws Exception {
        String topic = unique("all-configs");
        Map<String, String> configs = nonDefaults();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get(20, TimeUnit.SECONDS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config described = admin.describeConfigs(List.of(resource)).all().get(20, TimeUnit.SECONDS).get(resource);
            for (Map.Entry<String, String> e : configs.entrySet()) {
                ConfigEntry entry = described.get(e.getKey());
                assertThat(entry).as(e.getKey()).isNotNull();
                assertThat(entry.value()).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(entry.source()).as(e.getKey()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            }
            assertThat(described.entries()).hasSize(configs.size());
        }
    }

    @Test
    void invalidValuesAreRefusedWithKafkasMessages() throws Exception {
        // Messages as Apache Kafka 4.3.1's broker words them for the same input.
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("compression.type=brotli", "Invalid value brotli for configuration compression.type: String must be"
                + " one of: uncompressed, zstd, lz4, snappy, gzip, producer");
        refused.put("compression.gzip.level=10", "Invalid value 10 for configuration compression.gzip.level: Value must"
                + " be between 1 and 9 or equal to -1");
        refused.put("compression.lz4.level=18", "Invalid value 18 for configuration compression.lz4.level: Value must"
                + " be no more than 17");
        refused.put("compression.zstd.level=23", "Invalid value 23 for configuration compression.zstd.level: Value"
                + " must be no more than 22");
        refused.put("cleanup.policy=foo", "Invalid value foo for configuration cleanup.policy: String must be one of:"
                + " compact, delete");
        refused.put("flush.messages=0", "Invalid value 0 for configuration flush.messages: Value must be at least 1");
        refused.put("min.cleanable.dirty.ratio=1.5", "Invalid value 1.5 for configuration min.cleanable.dirty.ratio:"
                + " Value must be no more than 1");
        refused.put("preallocate=yes", "Invalid value yes for configuration preallocate: Expected value to be either"
                + " true or false");
        refused.put("segment.bytes=1000", "Invalid value 1000 for configuration segment.bytes: Value must be at least"
                + " 1048576");
        refused.put("message.timestamp.before.max.ms=-1", "Invalid value -1 for configuration"
                + " message.timestamp.before.max.ms: Value must be at least 0");
        refused.put("leader.replication.throttled.replicas=0:a", "Invalid value [0:a] for configuration"
                + " leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal"
                + " '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
        refused.put("retention.bytes=abc", "Invalid value abc for configuration retention.bytes: Not a number of type LONG");
        refused.put("message.downconversion.enable=true", "Unknown topic config name: message.downconversion.enable");
        try (Admin admin = admin()) {
            for (Map.Entry<String, String> e : refused.entrySet()) {
                String[] kv = e.getKey().split("=", 2);
                NewTopic topic = new NewTopic(unique("bad"), 1, (short) 1).configs(Map.of(kv[0], kv[1]));
                assertThatThrownBy(() -> admin.createTopics(List.of(topic)).all().get(20, TimeUnit.SECONDS))
                        .as(e.getKey()).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(InvalidConfigurationException.class).hasMessage(e.getValue());
            }
            // The same rules guard changes to an existing topic.
            String topic = unique("alter");
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("compression.lz4.level", "0"), AlterConfigOp.OpType.SET)))).all().get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Invalid value 0 for configuration compression.lz4.level: Value must be at least 1");
        }
        // Tiering is on by this broker's default: a compacted topic is accepted and stays local; asking for both is
        // accepted too (unlike Kafka): Floe compacts uploaded segments in the bucket.
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", unique("compact"), "--config", "cleanup.policy=compact").ok();
        Cli.Result tieredCompact = Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server",
                broker.bootstrap(), "--create", "--topic", unique("compact"), "--config", "cleanup.policy=compact",
                "--config", "remote.storage.enable=true");
        assertThat(tieredCompact.exitCode()).as(tieredCompact.all()).isZero();
    }

    @Test
    void recordsOutsideTheTimestampWindowAreRefusedWithInvalidTimestamp() throws Exception {
        String topic = unique("window");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "message.timestamp.before.max.ms", "60000", "message.timestamp.after.max.ms", "60000"))))
                    .all().get(20, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            long now = System.currentTimeMillis();
            assertThat(producer.send(new ProducerRecord<>(topic, 0, now, "k", "now")).get(20, TimeUnit.SECONDS).offset())
                    .isZero();
            for (long ts : new long[]{now - 3_600_000, now + 3_600_000}) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, ts, "k", "v")).get(20, TimeUnit.SECONDS))
                        .cause().isInstanceOf(InvalidTimestampException.class)
                        .hasMessageContaining("Timestamp " + ts + " of message with offset 0 is out of range");
            }
        }
    }

    @Test
    void acksAllNeedsMinInsyncReplicas() throws Exception {
        String topic = unique("min-isr");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(20, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // No retries, so the broker's answer reaches the test instead of a delivery timeout.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.RETRIES_CONFIG, 0);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, "k", "v")).get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(NotEnoughReplicasException.class);
        }
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            assertThat(producer.send(new ProducerRecord<>(topic, 0, "k", "v")).get(20, TimeUnit.SECONDS).offset()).isZero();
        }
    }

    @Test
    void kafkaConfigsDescribesTheBrokerWithKafkasNames() throws Exception {
        String described = Cli.kafka("kafka.admin.ConfigCommand", null, "--bootstrap-server", broker.bootstrap(),
                "--describe", "--entity-type", "brokers", "--entity-name", "0", "--all").ok().stdout();
        assertThat(described).contains("num.partitions=1", "default.replication.factor=1", "log.retention.ms=604800000",
                "log.segment.bytes=1073741824", "message.max.bytes=1048588", "auto.create.topics.enable=true",
                "min.insync.replicas=1", "compression.type=producer", "log.cleanup.policy=delete",
                "remote.log.storage.system.enable=true", "log.message.timestamp.after.max.ms=3600000");
        assertThat(described).doesNotContain("log.message.downconversion");
    }
}
