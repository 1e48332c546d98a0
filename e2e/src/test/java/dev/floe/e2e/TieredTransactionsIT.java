package dev.floe.e2e;

import dev.floe.tier.S3TestServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Transactions over tiered storage with the packaged broker and a real S3 server (s3proxy, real AWS SDK):
 * committed and aborted transactions of two producers, interleaved over several segments, uploaded and removed
 * from local disk. Read from offset 0 (all from the bucket), read_committed sees only the committed records and
 * read_uncommitted all of them, also after a restart that reads the manifests back from the bucket.
 */
class TieredTransactionsIT {
    private static final String BUCKET = "floe-tier-txn";
    private static final int ROUNDS = 8;
    private static final int PER_TXN = 4;
    private static final String PAD = "x".repeat(60_000);

    @Test
    void abortedRecordsInTheBucketStayInvisibleToReadCommitted() throws Exception {
        Path work = Files.createDirectories(Path.of("target", "e2e", "tiered-txn-" + UUID.randomUUID()));
        try (S3TestServer s3 = new S3TestServer()) {
            s3.createBucket(BUCKET);
            FloeProcess broker = new FloeProcess(work, Map.of(
                    "FLOE_TIER_BACKEND", "s3",
                    "FLOE_TIER_CLUSTER", "e2e",
                    "FLOE_TIER_S3_BUCKET", BUCKET,
                    "FLOE_TIER_S3_ENDPOINT", "http://127.0.0.1:" + s3.port(),
                    "FLOE_TIER_S3_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
                    "FLOE_TIER_S3_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY,
                    "FLOE_TIER_UPLOAD_INTERVAL_MS", "300",
                    "FLOE_RETENTION_CHECK_INTERVAL_MS", "300")).start();
            try {
                run(broker);
            } catch (AssertionError | Exception e) {
                System.err.println("---- broker log tail ----\n" + broker.logTail());
                throw e;
            } finally {
                broker.close();
            }
        }
    }

    private void run(FloeProcess broker) throws Exception {
        String topic = "tiered-txn";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "remote.storage.enable", "true", "segment.bytes", "1048576", "local.retention.bytes", "1",
                    "retention.ms", "-1")))).all().get(30, TimeUnit.SECONDS);
        }
        List<String> committed = new ArrayList<>();
        List<String> all = new ArrayList<>();
        try (KafkaProducer<String, String> a = producer(broker, "a-" + topic);
             KafkaProducer<String, String> b = producer(broker, "b-" + topic)) {
            a.initTransactions();
            b.initTransactions();
            for (int round = 0; round < ROUNDS; round++) {
                a.beginTransaction();
                b.beginTransaction();
                for (int i = 0; i < PER_TXN; i++) {
                    for (String who : List.of("a", "b")) {
                        String v = who + "-" + round + "-" + i;
                        (who.equals("a") ? a : b).send(new ProducerRecord<>(topic, 0, null, v + "|" + PAD));
                        all.add(v);
                        if (who.equals("a") == (round % 2 == 0)) {
                            committed.add(v);
                        }
                    }
                }
                a.flush();
                b.flush();
                (round % 2 == 0 ? a : b).commitTransaction();
                (round % 2 == 0 ? b : a).abortTransaction();
            }
        }
        long txnEnd;
        // Plain records after the transactions fill the active segment, so every transactional one gets sealed.
        try (KafkaProducer<String, String> plain = producer(broker, null)) {
            txnEnd = plain.send(new ProducerRecord<>(topic, 0, null, "fill-0|" + PAD)).get(30, TimeUnit.SECONDS).offset();
            for (int i = 0; i < 20; i++) {
                if (i > 0) {
                    plain.send(new ProducerRecord<>(topic, 0, null, "fill-" + i + "|" + PAD));
                }
                committed.add("fill-" + i);
                all.add("fill-" + i);
            }
            plain.flush();
        }
        try (Admin admin = admin(broker)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            long localStart = 0;
            while (localStart < txnEnd && System.nanoTime() < deadline) {
                localStart = admin.listOffsets(Map.of(tp, OffsetSpec.earliestLocal())).partitionResult(tp)
                        .get(30, TimeUnit.SECONDS).offset();
                if (localStart < txnEnd) {
                    Thread.sleep(200);
                }
            }
            assertThat(localStart).as("every transactional record is in the bucket and gone from local disk")
                    .isGreaterThanOrEqualTo(txnEnd);
        }
        assertThat(readFromStart(broker, tp, "read_committed")).containsExactlyInAnyOrderElementsOf(committed);
        assertThat(readFromStart(broker, tp, "read_uncommitted")).containsExactlyInAnyOrderElementsOf(all);

        // A restart knows the segments only from the bucket's manifests.
        broker.stop();
        broker.start();
        assertThat(readFromStart(broker, tp, "read_committed")).containsExactlyInAnyOrderElementsOf(committed);
    }

    private static Admin admin(FloeProcess broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    private static KafkaProducer<String, String> producer(FloeProcess broker, String transactionalId) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrap()));
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readFromStart(FloeProcess broker, TopicPartition tp, String isolation) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value().substring(0, r.value().indexOf('|')));
                }
            }
            assertThat(consumer.position(tp)).as("%s consumer reached the end", isolation).isEqualTo(end);
        }
        return values;
    }
}
