package dev.floe.broker.kafka;

import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java Admin client against the broker: topics, partitions, configs and offsets. */
@QuarkusTest
class AdminTest {

    private static String name() {
        return "a-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void topicLifecycle() throws Exception {
        String topic = name();
        try (Admin admin = KafkaClients.admin()) {
            get(admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1)
                    .configs(Map.of("retention.ms", "3600000")))).all());
            assertThat(get(admin.listTopics().names())).contains(topic).doesNotContain("__consumer_offsets");

            TopicDescription description = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            assertThat(description.partitions()).hasSize(3);
            assertThat(description.topicId()).isNotNull();
            assertThat(description.partitions().get(0).leader().id()).isEqualTo(0);

            get(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all());
            assertThat(get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions()).hasSize(5);
            assertThatThrownBy(() -> get(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all()))
                    .hasCauseInstanceOf(InvalidPartitionsException.class);
            assertThatThrownBy(() -> get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all()))
                    .hasCauseInstanceOf(TopicExistsException.class);

            get(admin.deleteTopics(List.of(topic)).all());
            assertThat(get(admin.listTopics().names())).doesNotContain(topic);
            assertThatThrownBy(() -> get(admin.describeTopics(List.of(topic)).allTopicNames()))
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }

    @Test
    void invalidTopicsAreRefusedWithTheRightErrors() throws Exception {
        try (Admin admin = KafkaClients.admin()) {
            assertThatThrownBy(() -> get(admin.createTopics(List.of(new NewTopic("bad name!", 1, (short) 1))).all()))
                    .hasCauseInstanceOf(InvalidTopicException.class);
            assertThatThrownBy(() -> get(admin.createTopics(List.of(new NewTopic(name(), 1, (short) 3))).all()))
                    .hasCauseInstanceOf(InvalidReplicationFactorException.class);
            ExecutionException compact = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> get(admin.createTopics(List.of(new NewTopic(name(), 1, (short) 1)
                            .configs(Map.of("cleanup.policy", "compact", "remote.storage.enable", "true")))).all()));
            // Compacted and tiered is a valid topic (TieredCompactionTest creates them), but this broker has no tier.
            assertThat(compact.getCause()).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("Tiered Storage functionality is disabled in the broker");
            assertThatThrownBy(() -> get(admin.createTopics(List.of(new NewTopic(name(), 1, (short) 1)
                    .configs(Map.of("retention.ms", "soon")))).all()))
                    .hasCauseInstanceOf(InvalidConfigurationException.class);
        }
    }

    @Test
    void topicConfigsCanBeDescribedAndChanged() throws Exception {
        String topic = name();
        try (Admin admin = KafkaClients.admin()) {
            get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    new AlterConfigOp(new ConfigEntry("retention.ms", "123456"), AlterConfigOp.OpType.SET)))).all());
            Config config = get(admin.describeConfigs(List.of(resource)).all()).get(resource);
            assertThat(config.get("retention.ms").value()).isEqualTo("123456");
            assertThat(config.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(config.get("segment.bytes").isDefault()).isTrue();

            get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE)))).all());
            assertThat(get(admin.describeConfigs(List.of(resource)).all()).get(resource).get("retention.ms").source())
                    .isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThatThrownBy(() -> get(admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)))).all()))
                    .hasCauseInstanceOf(InvalidConfigurationException.class);
        }
    }

    @Test
    void listOffsetsEarliestLatestByTimestampAndMaxTimestamp() throws Exception {
        String topic = name();
        TopicPartition tp = new TopicPartition(topic, 0);
        long base = System.currentTimeMillis() - 100_000;
        try (Admin admin = KafkaClients.admin()) {
            get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
            try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
                for (int i = 0; i < 100; i++) {
                    // Timestamps rise by 10 ms, except record 50 which carries the largest.
                    long ts = i == 50 ? base + 50_000 : base + i * 10L;
                    producer.send(new ProducerRecord<>(topic, 0, ts, "k", "v" + i));
                }
                producer.flush();
            }
            assertThat(offset(admin, tp, OffsetSpec.earliest())).isEqualTo(0);
            assertThat(offset(admin, tp, OffsetSpec.latest())).isEqualTo(100);
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(base + 205))).isEqualTo(21);
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(base + 200))).isEqualTo(20);
            assertThat(offset(admin, tp, OffsetSpec.maxTimestamp())).isEqualTo(50);
            assertThat(offset(admin, tp, OffsetSpec.forTimestamp(base + 60_000))).isEqualTo(-1);
        }
    }

    private static long offset(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
        return get(admin.listOffsets(Map.of(tp, spec)).all()).get(tp).offset();
    }
}
