package dev.floe.broker.kafka;

import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java producer with default settings (idempotent, acks=all) and an assigned consumer, end to end. */
@QuarkusTest
class ProduceConsumeTest {

    private static String createTopic(int partitions) throws Exception {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        return name;
    }

    private static List<TopicPartition> partitions(String topic, int count) {
        return IntStream.range(0, count).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    @Test
    void keyedRecordsLandWhereKafkasPartitionerSaysAndComeBackIntact() throws Exception {
        String topic = createTopic(3);
        List<RecordMetadata> sent = new ArrayList<>();
        long timestamp = System.currentTimeMillis() - 5000;
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int i = 0; i < 300; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, null, timestamp + i, "key-" + (i % 17),
                        "value-" + i, List.of(new RecordHeader("h", ("hv" + i).getBytes(StandardCharsets.UTF_8))));
                sent.add(producer.send(record).get(20, TimeUnit.SECONDS));
            }
        }
        for (int i = 0; i < sent.size(); i++) {
            int expected = Utils.toPositive(Utils.murmur2(("key-" + (i % 17)).getBytes(StandardCharsets.UTF_8))) % 3;
            assertThat(sent.get(i).partition()).as("partition of record %d", i).isEqualTo(expected);
        }

        List<ConsumerRecord<String, String>> read = KafkaClients.readAll(partitions(topic, 3), 300);
        assertThat(read).hasSize(300);
        Map<Integer, List<ConsumerRecord<String, String>>> byPartition = new HashMap<>();
        read.forEach(r -> byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r));
        for (List<ConsumerRecord<String, String>> records : byPartition.values()) {
            records.sort(Comparator.comparingLong(ConsumerRecord::offset));
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i).offset()).as("offsets are contiguous from 0").isEqualTo(i);
            }
        }
        for (ConsumerRecord<String, String> r : read) {
            int i = Integer.parseInt(r.value().substring("value-".length()));
            assertThat(r.key()).isEqualTo("key-" + (i % 17));
            assertThat(r.timestamp()).isEqualTo(timestamp + i);
            assertThat(new String(r.headers().lastHeader("h").value(), StandardCharsets.UTF_8)).isEqualTo("hv" + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesRoundTrip(String codec) throws Exception {
        String topic = createTopic(1);
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < 500; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, codec + "-payload-" + i + "-" + "x".repeat(200)));
            }
            producer.flush();
        }
        List<ConsumerRecord<String, String>> read = KafkaClients.readAll(partitions(topic, 1), 500);
        assertThat(read).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(read.get(i).offset()).isEqualTo(i);
            assertThat(read.get(i).value()).isEqualTo(codec + "-payload-" + i + "-" + "x".repeat(200));
        }
    }
}
