package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Compacted topics and DeleteRecords against the packaged broker with Kafka's own tools: the log cleaner leaves
 * the latest value per key at its offset, and kafka-delete-records.sh moves the log start, which reads,
 * ListOffsets earliest and a restart all respect.
 */
class CompactionIT extends BrokerPerClass {

    @Override
    protected Map<String, String> brokerEnvironment() {
        return Map.of("FLOE_LOG_CLEANER_BACKOFF_MS", "200");
    }

    @Test
    void theCleanerLeavesTheLatestValueOfEachKeyAtItsOffset() throws Exception {
        String topic = unique("compacted");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "segment.ms", "100", "min.cleanable.dirty.ratio", "0.01")))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, ConsumerRecord<String, String>> latest = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int round = 0; round < 5; round++) {
                for (int key = 0; key < 4; key++) {
                    producer.send(new ProducerRecord<>(topic, "k" + key, "v" + round)).get(30, TimeUnit.SECONDS);
                }
                // Older than segment.ms: the next append rolls the segment, so the cleaner has sealed ones.
                Thread.sleep(150);
            }
            producer.send(new ProducerRecord<>(topic, "k0", null)).get(30, TimeUnit.SECONDS);
            Thread.sleep(150);
            producer.send(new ProducerRecord<>(topic, "last", "x")).get(30, TimeUnit.SECONDS);
        }
        // k0's tombstone is kept for delete.retention.ms (a day by default); k1-k3 keep their last value.
        long deadline = System.currentTimeMillis() + 60_000;
        List<ConsumerRecord<String, String>> seen = readAll(topic);
        while (seen.size() != 5 && System.currentTimeMillis() < deadline) {
            // The cleaner runs in the background; read again after it has had a chance to run.
            Thread.sleep(300);
            seen = readAll(topic);
        }
        seen.forEach(r -> latest.put(r.key(), r));
        assertThat(seen).extracting(ConsumerRecord::key).containsExactly("k1", "k2", "k3", "k0", "last");
        assertThat(latest.get("k1").value()).isEqualTo("v4");
        assertThat(latest.get("k1").offset()).isEqualTo(17);
        assertThat(latest.get("k0").value()).isNull();
        assertThat(latest.get("k0").offset()).isEqualTo(20);

        // A record without a key has no place in a compacted topic: refused, as Kafka does.
        try (KafkaProducer<String, String> producer = producer()) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, null, "keyless")).get(30,
                    TimeUnit.SECONDS)).cause().isInstanceOf(InvalidRecordException.class)
                    .hasMessageContaining("Compacted topic cannot accept message without key");
        }
    }

    @Test
    void kafkaDeleteRecordsMovesTheLogStartAndARestartKeepsIt() throws Exception {
        String topic = unique("purged");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }
        Path json = Files.createTempFile(Path.of("target"), "delete-records", ".json");
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":40}],"
                + "\"version\":1}");

        String out = Cli.kafka("org.apache.kafka.tools.DeleteRecordsCommand", null, "--bootstrap-server",
                broker.bootstrap(), "--offset-json-file", json.toString()).ok().stdout();

        assertThat(out).contains("low_watermark: 40");
        assertThat(earliest(topic)).isEqualTo(topic + ":0:40");
        List<ConsumerRecord<String, String>> records = readAll(topic);
        assertThat(records).hasSize(60);
        assertThat(records.get(0).offset()).isEqualTo(40);
        assertThat(records.get(0).value()).isEqualTo("v40");

        broker.stop();
        broker.start();
        assertThat(earliest(topic)).as("the log start survives a restart").isEqualTo(topic + ":0:40");
        assertThat(readAll(topic)).hasSize(60);

        // Past the high watermark is refused with Kafka's error.
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":500}],"
                + "\"version\":1}");
        Cli.Result refused = Cli.kafka("org.apache.kafka.tools.DeleteRecordsCommand", null, "--bootstrap-server",
                broker.bootstrap(), "--offset-json-file", json.toString());
        assertThat(refused.all()).contains("OffsetOutOfRange");
    }

    private String earliest(String topic) throws Exception {
        return Cli.kafka("org.apache.kafka.tools.GetOffsetShell", null, "--bootstrap-server", broker.bootstrap(),
                "--topic", topic, "--time", "-2").ok().stdout().trim();
    }

    private Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", broker.bootstrap()));
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrap(), "key.serializer",
                StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName(), "linger.ms",
                "0"));
    }

    /** Every record from the log start to the end, as a consumer reading from the beginning sees them. */
    private List<ConsumerRecord<String, String>> readAll(String topic) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                broker.bootstrap(), "key.deserializer", StringDeserializer.class.getName(), "value.deserializer",
                StringDeserializer.class.getName()))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}
