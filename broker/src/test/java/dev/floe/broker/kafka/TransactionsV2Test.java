package dev.floe.broker.kafka;

import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions v2 (KIP-890) with the kafka-clients 4.1 producer: the standalone broker finalizes
 * {@code transaction.version} 2, so the producer sends no AddPartitionsToTxn (its writes join the transaction
 * themselves) and every commit or abort moves it to the next epoch, which DescribeTransactions and
 * DescribeProducers show. Consumers at both isolation levels and fencing behave as with v1.
 */
@QuarkusTest
class TransactionsV2Test {

    @Test
    void theBrokerFinalizesTransactionVersion2() throws Exception {
        try (Admin admin = KafkaClients.admin()) {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get(20, TimeUnit.SECONDS);
            assertThat(features.finalizedFeatures().get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
            assertThat(features.supportedFeatures().get("transaction.version").maxVersion()).isEqualTo((short) 2);
        }
    }

    @Test
    void everyCommitAndAbortBumpsTheEpochAndConsumersSeeTheRightRecords() throws Exception {
        String topic = "tv2-" + UUID.randomUUID().toString().substring(0, 8);
        String id = "tx-" + topic;
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = KafkaClients.admin();
             KafkaProducer<String, String> producer = KafkaClients.producer(Map.of(
                     ProducerConfig.TRANSACTIONAL_ID_CONFIG, id))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
            producer.initTransactions();
            int initial = describe(admin, id).producerEpoch();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "kept-1"));
            producer.send(new ProducerRecord<>(topic, 0, null, "kept-2"));
            producer.commitTransaction();
            TransactionDescription afterCommit = describe(admin, id);
            assertThat(afterCommit.state()).isEqualTo(org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT);
            assertThat(afterCommit.producerEpoch()).as("the commit bumped the epoch (v1 keeps it)")
                    .isEqualTo(initial + 1);
            assertThat(producerEpochOn(admin, tp, afterCommit.producerId()))
                    .as("the COMMIT marker is written at the bumped epoch").isEqualTo(initial + 1);

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "dropped"));
            producer.flush();
            assertThat(describe(admin, id).topicPartitions())
                    .as("the write itself put the partition in the transaction").containsExactly(tp);
            producer.abortTransaction();
            assertThat(describe(admin, id).producerEpoch()).isEqualTo(initial + 2);

            // Ten more at the moving epoch: sequence numbers restart with each epoch and nothing is refused.
            for (int i = 0; i < 10; i++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, null, "more-" + i));
                producer.commitTransaction();
            }
            assertThat(describe(admin, id).producerEpoch()).isEqualTo(initial + 12);

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "zombie"));
            producer.flush();
            try (KafkaProducer<String, String> successor = KafkaClients.producer(Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, id))) {
                successor.initTransactions();
                assertThatThrownBy(producer::commitTransaction).isInstanceOf(ProducerFencedException.class);
            }
        }
        // kept-1 0, kept-2 1, COMMIT 2, dropped 3, ABORT 4, (more-i, COMMIT) 5-24, zombie 25, ABORT 26
        List<String> expected = new ArrayList<>(List.of("kept-1", "kept-2"));
        for (int i = 0; i < 10; i++) {
            expected.add("more-" + i);
        }
        assertThat(read(tp, "read_committed", 27)).isEqualTo(expected);
        List<String> all = new ArrayList<>(List.of("kept-1", "kept-2", "dropped"));
        for (int i = 0; i < 10; i++) {
            all.add("more-" + i);
        }
        all.add("zombie");
        assertThat(read(tp, "read_uncommitted", 27)).isEqualTo(all);
    }

    @Test
    void offsetsSentWithoutAddOffsetsToTxnCountOnlyOnCommit() throws Exception {
        String topic = "tv2o-" + UUID.randomUUID().toString().substring(0, 8);
        String group = "g-" + topic;
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = KafkaClients.admin();
             KafkaProducer<String, String> producer = KafkaClients.producer(Map.of(
                     ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + topic))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "out"));
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(7)),
                    new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(9)),
                    new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group));
            producer.abortTransaction();
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS)
                    .get(tp).offset()).as("committed with the first transaction, not the aborted one")
                    .isEqualTo(7);
        }
    }

    private static TransactionDescription describe(Admin admin, String id) throws Exception {
        return admin.describeTransactions(List.of(id)).description(id).get(20, TimeUnit.SECONDS);
    }

    private static int producerEpochOn(Admin admin, TopicPartition tp, long producerId) throws Exception {
        return admin.describeProducers(List.of(tp)).partitionResult(tp).get(20, TimeUnit.SECONDS).activeProducers()
                .stream().filter(p -> p.producerId() == producerId).mapToInt(ProducerState::producerEpoch)
                .findFirst().orElseThrow();
    }

    private static List<String> read(TopicPartition tp, String isolation, long expectedEnd) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(20)).get(tp);
            assertThat(end).as("offsets count the markers").isEqualTo(expectedEnd);
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
