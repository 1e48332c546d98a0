package dev.floe.broker.tier;

import dev.floe.broker.kafka.KafkaClients;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14, tiered: transactions committed and aborted side by side over several segments, uploaded to a directory
 * tier and removed from local disk; a read_committed consumer reading from offset 0 (all from the tier) sees only
 * the committed records, a read_uncommitted one sees every record.
 */
@QuarkusTest
@TestProfile(TieredTransactionsTest.FileTier.class)
class TieredTransactionsTest {
    static final String TIER_DIR = "target/test-tier-txn";
    private static final int ROUNDS = 10;
    private static final int PER_TXN = 4;
    private static final String PAD = "x".repeat(60_000);

    public static final class FileTier implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("floe.tier.backend", "file", "floe.tier.dir", TIER_DIR,
                    "floe.tier.upload-interval-ms", "200", "floe.retention-check-interval-ms", "200");
        }
    }

    @Test
    void abortedRecordsInUploadedSegmentsStayInvisibleToReadCommitted() throws Exception {
        String topic = "tiered-txn-" + UUID.randomUUID().toString().substring(0, 8);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "remote.storage.enable", "true", "segment.bytes", "1048576", "local.retention.bytes", "1",
                    "retention.ms", "-1")))).all().get(20, TimeUnit.SECONDS);
        }
        List<String> committed = new ArrayList<>();
        List<String> all = new ArrayList<>();
        long txnEnd;
        try (KafkaProducer<String, String> a = txnProducer("a-" + topic);
             KafkaProducer<String, String> b = txnProducer("b-" + topic)) {
            a.initTransactions();
            b.initTransactions();
            // Two producers at once: each round one commits and the other aborts, their records interleaved, so
            // aborted transactions span committed records and some ABORT markers land in a later segment.
            for (int round = 0; round < ROUNDS; round++) {
                a.beginTransaction();
                b.beginTransaction();
                for (int i = 0; i < PER_TXN; i++) {
                    a.send(new ProducerRecord<>(topic, 0, null, "a-" + round + "-" + i + "|" + PAD));
                    b.send(new ProducerRecord<>(topic, 0, null, "b-" + round + "-" + i + "|" + PAD));
                    all.add("a-" + round + "-" + i);
                    all.add("b-" + round + "-" + i);
                    (round % 2 == 0 ? committed : new ArrayList<String>()).add("a-" + round + "-" + i);
                    (round % 2 == 1 ? committed : new ArrayList<String>()).add("b-" + round + "-" + i);
                }
                a.flush();
                b.flush();
                if (round % 2 == 0) {
                    a.commitTransaction();
                    b.abortTransaction();
                } else {
                    b.commitTransaction();
                    a.abortTransaction();
                }
            }
        }
        // Plain records after the transactions fill the active segment, so every transactional one gets sealed.
        try (KafkaProducer<String, String> plain = KafkaClients.producer(Map.of())) {
            txnEnd = plain.send(new ProducerRecord<>(topic, 0, null, "fill-0|" + PAD)).get(20, TimeUnit.SECONDS).offset();
            committed.add("fill-0");
            all.add("fill-0");
            for (int i = 1; i < 20; i++) {
                plain.send(new ProducerRecord<>(topic, 0, null, "fill-" + i + "|" + PAD));
                committed.add("fill-" + i);
                all.add("fill-" + i);
            }
            plain.flush();
        }

        try (Admin admin = KafkaClients.admin()) {
            await("every transactional record is in the tier and gone from local disk")
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin.listOffsets(Map.of(tp, OffsetSpec.earliestLocal())).partitionResult(tp)
                            .get(10, TimeUnit.SECONDS).offset() >= txnEnd);
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset())
                    .as("the log still starts at 0, in the tier").isZero();
        }
        try (Stream<Path> files = Files.walk(Path.of(TIER_DIR))) {
            assertThat(files.map(Path::toString).filter(f -> f.contains("/" + topic + "-") && f.endsWith(".txnindex")))
                    .as("aborted-transaction indexes were uploaded beside their segments").isNotEmpty();
        }

        assertThat(readFromStart(tp, "read_committed")).containsExactlyInAnyOrderElementsOf(committed);
        assertThat(readFromStart(tp, "read_uncommitted")).containsExactlyInAnyOrderElementsOf(all);
    }

    private static KafkaProducer<String, String> txnProducer(String id) {
        return KafkaClients.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id));
    }

    /** Every record value (up to its padding) from offset 0 to the end the consumer sees. */
    private static List<String> readFromStart(TopicPartition tp, String isolation) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(20)).get(tp);
            await("a " + isolation + " consumer reads to offset " + end).atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                            values.add(r.value().substring(0, r.value().indexOf('|')));
                        }
                        return consumer.position(tp) >= end;
                    });
        }
        return values;
    }
}
