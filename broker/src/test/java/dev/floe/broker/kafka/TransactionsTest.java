package dev.floe.broker.kafka;

import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions with the kafka-clients the broker is built with (4.1.1; the e2e tests use 4.3.1): commit, abort,
 * read_committed, fencing.
 */
@QuarkusTest
class TransactionsTest {

    @Test
    void committedAndAbortedTransactionsAsReadCommittedSeesThem() throws Exception {
        String topic = "txn-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        String id = "tx-" + topic;
        Map<String, Object> txn = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        try (KafkaProducer<String, String> producer = KafkaClients.producer(txn)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "kept"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "dropped"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "zombie"));
            producer.flush();
            try (KafkaProducer<String, String> successor = KafkaClients.producer(txn)) {
                successor.initTransactions();
                assertThatThrownBy(producer::commitTransaction).isInstanceOf(ProducerFencedException.class);
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(20)).get(tp);
            // kept 0, COMMIT 1, dropped 2, ABORT 3, zombie 4, ABORT (fencing) 5
            assertThat(end).isEqualTo(6);
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        assertThat(values).containsExactly("kept");
    }

    @Test
    void offsetsFromAConsumerThatIsNoLongerAtTheGroupsGenerationAreRefused() throws Exception {
        String topic = "txn-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
             KafkaProducer<String, String> producer = KafkaClients.producer(Map.of(
                     ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-g-" + topic))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100));
            }
            // The consumer's own offset lookup after the assignment must be done first: committed() would reuse
            // that in-flight lookup, which was sent before the transaction committed.
            consumer.position(tp);
            ConsumerGroupMetadata member = consumer.groupMetadata();
            assertThat(member.generationId()).isPositive();
            producer.initTransactions();
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(1)), member);
            producer.commitTransaction();
            assertThat(consumer.committed(java.util.Set.of(tp)).get(tp).offset()).isEqualTo(1);

            // A zombie: same member id, a generation the group has left behind.
            ConsumerGroupMetadata stale = new ConsumerGroupMetadata(member.groupId(), member.generationId() - 1,
                    member.memberId(), Optional.empty());
            producer.beginTransaction();
            assertThatThrownBy(() -> producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(2)), stale))
                    .isInstanceOf(CommitFailedException.class);
            producer.abortTransaction();
            assertThat(consumer.committed(java.util.Set.of(tp)).get(tp).offset()).isEqualTo(1);
        }
    }
}
