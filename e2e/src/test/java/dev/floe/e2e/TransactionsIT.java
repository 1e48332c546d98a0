package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kafka transactions against the packaged broker with the real Java clients and {@code kafka-transactions.sh}:
 * commit and abort as read_committed and read_uncommitted consumers see them, fencing of a zombie producer,
 * offsets committed inside a transaction, a broker SIGKILLed with a transaction open, and a hanging transaction
 * listed, described and aborted with the CLI.
 */
class TransactionsIT extends BrokerPerClass {

    @Test
    void readCommittedSeesOnlyCommittedTransactionsAndOffsetsCountTheMarkers() throws Exception {
        String topic = createTopic("txn", 1);
        try (KafkaProducer<String, String> producer = producer(unique("tx"), 60_000)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (String v : List.of("a1", "a2", "a3")) {
                producer.send(new ProducerRecord<>(topic, 0, null, v));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (String v : List.of("b1", "b2", "b3")) {
                producer.send(new ProducerRecord<>(topic, 0, null, v));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "c1"));
            producer.commitTransaction();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        // a1..a3 at 0-2, COMMIT at 3, b1..b3 at 4-6, ABORT at 7, c1 at 8, COMMIT at 9.
        List<ConsumerRecord<String, String>> committed = readAll(tp, "read_committed", 4);
        assertThat(committed).extracting(ConsumerRecord::value).containsExactly("a1", "a2", "a3", "c1");
        assertThat(committed).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 8L);
        List<ConsumerRecord<String, String>> all = readAll(tp, "read_uncommitted", 7);
        assertThat(all).extracting(ConsumerRecord::value).containsExactly("a1", "a2", "a3", "b1", "b2", "b3", "c1");
        assertThat(all).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 4L, 5L, 6L, 8L);
        assertThat(endOffset(tp, "read_committed")).isEqualTo(10);
        assertThat(endOffset(tp, "read_uncommitted")).isEqualTo(10);
    }

    @Test
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirst() throws Exception {
        String topic = createTopic("fence", 1);
        String id = unique("fenced");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> zombie = producer(id, 60_000)) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(topic, 0, null, "from-zombie"));
            zombie.flush();
            // The open transaction holds the last stable offset at its first record.
            assertThat(endOffset(tp, "read_committed")).isZero();
            try (KafkaProducer<String, String> successor = producer(id, 60_000)) {
                successor.initTransactions();
                assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
                successor.beginTransaction();
                successor.send(new ProducerRecord<>(topic, 0, null, "from-successor"));
                successor.commitTransaction();
            }
        }
        assertThat(readAll(tp, "read_committed", 1)).extracting(ConsumerRecord::value).containsExactly("from-successor");
    }

    @Test
    void offsetsSentToATransactionAreCommittedOnlyWhenItCommits() throws Exception {
        String topic = createTopic("offsets", 1);
        String group = unique("group");
        TopicPartition tp = new TopicPartition(topic, 0);
        String id = unique("tx-offsets");
        try (KafkaProducer<String, String> producer = producer(id, 60_000);
             Admin admin = admin()) {
            producer.initTransactions();
            int initialEpoch = epoch(admin, id);
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "x"));
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(42)), new ConsumerGroupMetadata(group));
            producer.flush();
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .as("offsets of an open transaction").doesNotContainKey(tp);
            producer.commitTransaction();
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(tp).offset()).isEqualTo(42);
            // Transactions v2 (the broker finalizes transaction.version 2): every commit moves to the next epoch.
            assertThat(epoch(admin, id)).as("epoch after a v2 commit").isEqualTo(initialEpoch + 1);

            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(99)), new ConsumerGroupMetadata(group));
            producer.abortTransaction();
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(tp).offset()).as("an aborted transaction's offsets are dropped").isEqualTo(42);
            assertThat(epoch(admin, id)).as("epoch after a v2 abort").isEqualTo(initialEpoch + 2);
        }
    }

    private static int epoch(Admin admin, String transactionalId) throws Exception {
        return admin.describeTransactions(java.util.List.of(transactionalId)).description(transactionalId)
                .get(30, TimeUnit.SECONDS).producerEpoch();
    }

    @Test
    void aBrokerKilledDuringATransactionAbortsItAfterRestartAndTheLsoAdvances() throws Exception {
        String topic = createTopic("crash", 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        KafkaProducer<String, String> producer = producer(unique("tx-crash"), 5_000);
        try {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "open-at-the-kill"));
            producer.flush();
            assertThat(endOffset(tp, "read_committed")).isEqualTo(2);
            broker.kill();
        } finally {
            producer.close(Duration.ZERO);
        }
        broker.start();
        // The coordinator replays the open transaction and aborts it when its 5 s timeout is due; the LSO then
        // reaches the log end (records 0, COMMIT 1, open record 2, ABORT 3).
        awaitTrue("the LSO passes the aborted transaction", () -> endOffset(tp, "read_committed") == 4);
        assertThat(readAll(tp, "read_committed", 1)).extracting(ConsumerRecord::value).containsExactly("committed");
    }

    @Test
    void kafkaTransactionsListsDescribesAndAbortsAHangingTransaction() throws Exception {
        String topic = createTopic("hanging", 1);
        String id = unique("tx-hanging");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = producer(id, 900_000)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "hanging"));
            producer.flush();

            String list = Cli.kafka("org.apache.kafka.tools.TransactionsCommand", null,
                    "--bootstrap-server", broker.bootstrap(), "list").ok().stdout();
            assertThat(list).contains(id).contains("Ongoing");
            String describe = Cli.kafka("org.apache.kafka.tools.TransactionsCommand", null,
                    "--bootstrap-server", broker.bootstrap(), "describe", "--transactional-id", id).ok().stdout();
            assertThat(describe).contains(id).contains("Ongoing").contains(topic + "-0");
            String producers = Cli.kafka("org.apache.kafka.tools.TransactionsCommand", null,
                    "--bootstrap-server", broker.bootstrap(), "describe-producers", "--topic", topic,
                    "--partition", "0").ok().stdout();
            assertThat(producers).contains("CurrentTransactionStartOffset");
            assertThat(endOffset(tp, "read_committed")).isZero();

            Cli.kafka("org.apache.kafka.tools.TransactionsCommand", null, "--bootstrap-server", broker.bootstrap(),
                    "abort", "--topic", topic, "--partition", "0", "--start-offset", "0").ok();
            assertThat(endOffset(tp, "read_committed")).as("the LSO after the abort marker").isEqualTo(2);
            assertThat(readAll(tp, "read_committed", 0)).isEmpty();
        }
    }

    private String createTopic(String prefix, int partitions) throws Exception {
        String topic = unique(prefix);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    private KafkaProducer<String, String> producer(String transactionalId, int timeoutMs) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000),
                new StringSerializer(), new StringSerializer());
    }

    private KafkaConsumer<String, String> consumer(String isolation) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
    }

    private long endOffset(TopicPartition tp, String isolation) {
        try (KafkaConsumer<String, String> consumer = consumer(isolation)) {
            return consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    /** Everything from the start up to the end offset at this isolation level; at least {@code expected} records. */
    private List<ConsumerRecord<String, String>> readAll(TopicPartition tp, String isolation, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(isolation)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            assertThat(consumer.position(tp)).as("position of the %s consumer", isolation).isEqualTo(end);
        }
        assertThat(out).hasSizeGreaterThanOrEqualTo(expected);
        return out;
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(250);
        }
    }
}
