package dev.floe.e2e;

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
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10's stress test: many producers and consumers on many partitions while segments roll every few KB and
 * retention deletes old ones continuously. No request may fail (no UNKNOWN_SERVER_ERROR in the broker's log, no
 * client error), and every acknowledged record is read back by a consumer at the offset it was acknowledged at.
 * Retention keeps a window far larger than the consumers' lag, so nothing acknowledged is removed before it is
 * read; a consumer that nevertheless fell behind the log start fails the test (auto.offset.reset=none).
 */
class EngineStressIT {
    private static final int PARTITIONS = 16;
    private static final int PRODUCERS = 8;
    private static final int CONSUMERS = 4;
    private static final int RECORDS_PER_PRODUCER = 6_000;
    /**
     * Producers never run further ahead of the consumers than this many records (all partitions together, about
     * 300 per partition, a third of what retention keeps), so on a slow machine the consumers still read every
     * record before retention removes it.
     */
    private static final long MAX_UNREAD = 5_000;
    private static final java.util.concurrent.atomic.AtomicLong SENT = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong READ = new java.util.concurrent.atomic.AtomicLong();
    private static final Object PROGRESS = new Object();

    @TempDir
    Path work;

    @Test
    void concurrentClientsWithRollsAndRetentionLoseNothingAndSeeNoServerErrors() throws Exception {
        String topic = "stress";
        try (FloeProcess broker = new FloeProcess(work, Map.of(
                "FLOE_RETENTION_CHECK_INTERVAL_MS", "100",
                "FLOE_FILE_DELETE_DELAY_MS", "200",
                // Below Kafka's 1 MiB minimum for the topic config, so set as the broker's default.
                "FLOE_DEFAULTS_SEGMENT_BYTES", "4096",
                "FLOE_DEFAULTS_INDEX_INTERVAL_BYTES", "512"))) {
            broker.start();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(Map.of(
                        "retention.bytes", "98304"))))
                        .all().get();
            }
            Map<TopicPartition, Map<Long, String>> acknowledged = new ConcurrentHashMap<>();
            Map<TopicPartition, Map<Long, String>> read = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
            CountDownLatch producersDone = new CountDownLatch(PRODUCERS);
            CountDownLatch consumersFetching = new CountDownLatch(CONSUMERS);
            ExecutorService clients = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS);
            for (int c = 0; c < CONSUMERS; c++) {
                List<TopicPartition> mine = new ArrayList<>();
                for (int p = c; p < PARTITIONS; p += CONSUMERS) {
                    mine.add(new TopicPartition(topic, p));
                }
                clients.submit(() -> consume(broker, mine, consumersFetching, producersDone, acknowledged, read,
                        clientErrors));
            }
            // Producers start once every consumer is fetching, so the retention window is measured against readers
            // that are running rather than JVM warm-up.
            assertThat(consumersFetching.await(60, TimeUnit.SECONDS)).as("consumers started").isTrue();
            for (int n = 0; n < PRODUCERS; n++) {
                int producer = n;
                clients.submit(() -> produce(broker, topic, producer, acknowledged, clientErrors, producersDone));
            }
            clients.shutdown();
            assertThat(clients.awaitTermination(5, TimeUnit.MINUTES)).as("clients finished").isTrue();

            assertThat(clientErrors).as("client errors").isEmpty();
            long total = acknowledged.values().stream().mapToLong(Map::size).sum();
            assertThat(total).isEqualTo((long) PRODUCERS * RECORDS_PER_PRODUCER);
            acknowledged.forEach((tp, records) -> assertThat(read.getOrDefault(tp, Map.of()))
                    .as("%s: every acknowledged record read at its offset", tp).containsAllEntriesOf(records));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                acknowledged.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
                long deleted = admin.listOffsets(earliest).all().get().values().stream()
                        .mapToLong(info -> info.offset()).sum();
                assertThat(deleted).as("retention really deleted segments while clients ran").isPositive();
            }
            String log = Files.readString(work.resolve("broker.log"));
            assertThat(log).doesNotContain("UNKNOWN_SERVER_ERROR").doesNotContain(" ERROR ");
        }
    }

    private static void produce(FloeProcess broker, String topic, int producer,
                                Map<TopicPartition, Map<Long, String>> acknowledged,
                                ConcurrentLinkedQueue<Throwable> errors, CountDownLatch done) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.BATCH_SIZE_CONFIG, 2048),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS_PER_PRODUCER; i++) {
                synchronized (PROGRESS) {
                    while (SENT.get() - READ.get() > MAX_UNREAD) {
                        p.flush();
                        PROGRESS.wait(1000);
                    }
                }
                SENT.incrementAndGet();
                String value = "producer-" + producer + "-record-" + i + "-" + "x".repeat(40);
                p.send(new ProducerRecord<>(topic, (producer * 7 + i) % PARTITIONS, null, value), (md, e) -> {
                    if (e != null) {
                        errors.add(e);
                    } else {
                        acknowledged.computeIfAbsent(new TopicPartition(md.topic(), md.partition()),
                                k -> new ConcurrentHashMap<>()).put(md.offset(), value);
                    }
                });
            }
            p.flush();
        } catch (Throwable t) {
            errors.add(t);
        } finally {
            done.countDown();
        }
    }

    /** Reads its partitions from the start until the producers are done and it has reached every end offset. */
    private static void consume(FloeProcess broker, List<TopicPartition> partitions, CountDownLatch fetching,
                                CountDownLatch producersDone,
                                Map<TopicPartition, Map<Long, String>> acknowledged,
                                Map<TopicPartition, Map<Long, String>> read, ConcurrentLinkedQueue<Throwable> errors) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, 0));
            consumer.poll(Duration.ofMillis(100));
            fetching.countDown();
            long deadline = System.currentTimeMillis() + 240_000;
            while (System.currentTimeMillis() < deadline) {
                int n = 0;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    read.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ConcurrentHashMap<>())
                            .put(r.offset(), r.value());
                    n++;
                }
                if (n > 0) {
                    READ.addAndGet(n);
                    synchronized (PROGRESS) {
                        PROGRESS.notifyAll();
                    }
                }
                if (producersDone.getCount() == 0 && caughtUp(consumer, partitions, acknowledged)) {
                    return;
                }
            }
            errors.add(new AssertionError("consumer of " + partitions + " did not catch up within 4 minutes"));
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    private static boolean caughtUp(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions,
                                    Map<TopicPartition, Map<Long, String>> acknowledged) {
        for (TopicPartition tp : partitions) {
            long last = acknowledged.getOrDefault(tp, Map.of()).keySet().stream().mapToLong(Long::longValue)
                    .max().orElse(-1);
            if (consumer.position(tp) <= last) {
                return false;
            }
        }
        return true;
    }
}
