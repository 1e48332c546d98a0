package dev.floe.broker.admin;

import dev.floe.broker.app.Broker;
import dev.floe.broker.cleaner.TieredCompactionTest;
import dev.floe.broker.kafka.KafkaClients;
import dev.floe.broker.log.PartitionLog;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's DeleteRecords on a tiered topic (kafka-delete-records.sh, Streams' purge of repartition topics), with
 * real clients, on a broker tiering to a directory bucket: the records asked for are gone even though they were
 * only in the bucket, for ListOffsets, for a consumer from the beginning and for one that seeks below the start.
 */
@QuarkusTest
@TestProfile(TieredCompactionTest.TieredBroker.class)
class TieredDeleteRecordsTest {
    @Inject
    Broker broker;

    @Test
    void deleteRecordsOnATieredTopicHidesRecordsHeldOnlyInTheBucket() throws Exception {
        String topic = "tiered-purge-" + UUID.randomUUID().toString().substring(0, 8);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "remote.storage.enable", "true",
                    // Local copies go once uploaded: every record below the new start is only in the bucket.
                    "local.retention.ms", "0")))).all().get(20, TimeUnit.SECONDS);
        }
        PartitionLog log = broker.logs().log(tp);
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 25; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "v" + (round * 25 + i))).get(20, TimeUnit.SECONDS);
                }
                long end = log.logEndOffset();
                log.roll("test round " + round);
                eventually("round " + round + " uploaded").until(() -> broker.tiering().remoteEnd(tp) >= end - 1);
            }
        }
        eventually("local copies removed").until(() -> log.logStartOffset() >= 100);

        try (Admin admin = KafkaClients.admin()) {
            long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(30))).lowWatermarks().get(tp)
                    .get(20, TimeUnit.SECONDS).lowWatermark();
            assertThat(low).isEqualTo(30);
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)
                    .get(20, TimeUnit.SECONDS).offset()).isEqualTo(30);
        }

        List<ConsumerRecord<String, String>> fromBeginning = read(tp, null);
        assertThat(fromBeginning).hasSize(70);
        assertThat(fromBeginning.get(0).offset()).isEqualTo(30);
        assertThat(fromBeginning.get(0).value()).isEqualTo("v30");

        List<ConsumerRecord<String, String>> belowStart = read(tp, 10L);
        assertThat(belowStart.get(0).offset()).as("a seek below the start resets to it").isEqualTo(30);
    }

    /** Everything up to offset 100, from the beginning or from {@code seek} (auto.offset.reset=earliest). */
    private static List<ConsumerRecord<String, String>> read(TopicPartition tp, Long seek) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of("auto.offset.reset", "earliest"))) {
            consumer.assign(List.of(tp));
            if (seek == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, seek);
            }
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.position(tp) < 100 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static org.awaitility.core.ConditionFactory eventually(String what) {
        return org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100));
    }
}
