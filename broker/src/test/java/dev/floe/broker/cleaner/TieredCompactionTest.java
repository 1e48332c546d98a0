package dev.floe.broker.cleaner;

import dev.floe.broker.app.Broker;
import dev.floe.broker.kafka.KafkaClients;
import dev.floe.broker.log.PartitionLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's "a compacted topic with remote.storage.enable=true: after compaction and upload, a consumer from the
 * beginning sees only the latest value per key", on a broker tiering to a directory bucket, with real clients.
 * Keys are updated after their old values were uploaded, so only a compaction in the bucket can hide them.
 */
@QuarkusTest
@TestProfile(TieredCompactionTest.TieredBroker.class)
public class TieredCompactionTest {
    private static final Path ROOT = Path.of("target/test-tiered-compaction-" + UUID.randomUUID().toString().substring(0, 8));

    /** A broker with a file bucket and fast background passes (upload, cleaners, retention). */
    public static class TieredBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "floe.data-dir", ROOT.resolve("data").toString(),
                    "floe.tier.backend", "file",
                    "floe.tier.dir", ROOT.resolve("bucket").toString(),
                    "floe.tier.upload-interval-ms", "100",
                    "floe.log-cleaner.backoff-ms", "100",
                    "floe.retention-check-interval-ms", "100");
        }
    }

    @Inject
    Broker broker;
    @Inject
    MeterRegistry registry;

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void tieredCompactedTopicsAreCreatedAndTheirConfigsDescribed() throws Exception {
        String compact = "tc-" + UUID.randomUUID().toString().substring(0, 8);
        String both = "tcd-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            get(admin.createTopics(List.of(
                    new NewTopic(compact, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                            "remote.storage.enable", "true")),
                    new NewTopic(both, 1, (short) 1).configs(Map.of("cleanup.policy", "compact,delete",
                            "remote.storage.enable", "true")))).all());
            for (String topic : List.of(compact, both)) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config config = get(admin.describeConfigs(List.of(resource)).all()).get(resource);
                assertThat(config.get("remote.storage.enable").value()).isEqualTo("true");
                assertThat(config.get("cleanup.policy").value()).startsWith("compact");
            }
        }
        assertThat(broker.logs().log(new TopicPartition(compact, 0)).config().remoteStorage()).isTrue();
    }

    @Test
    void aConsumerFromTheBeginningReadsOnlyTheLatestValuePerKeyFromTheBucket() throws Exception {
        String topic = "tiered-compact-" + UUID.randomUUID().toString().substring(0, 8);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = KafkaClients.admin()) {
            get(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact", "remote.storage.enable", "true",
                    "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "500",
                    // Local copies go once uploaded, so every read below is served from the bucket.
                    "local.retention.ms", "0")))).all());
        }
        PartitionLog log = broker.logs().log(tp);
        double rewrittenBefore = counter("floe.cleaner.remote.segments.rewritten");
        double remoteFetchBefore = counter("floe.tier.fetch.bytes");

        // Six rounds over five keys, one segment per round, each uploaded before the next round replaces its
        // values; key-3 is deleted by a tombstone in round 4.
        Map<String, Long> latestOffset = new LinkedHashMap<>();
        Map<String, String> latestValue = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int round = 0; round < 6; round++) {
                for (int k = 0; k < 5; k++) {
                    String key = "key-" + k;
                    if (k == 3 && round == 5) {
                        continue;
                    }
                    String value = k == 3 && round == 4 ? null : key + "-round-" + round;
                    long offset = producer.send(new ProducerRecord<>(topic, key, value)).get(20, TimeUnit.SECONDS)
                            .offset();
                    if (value == null) {
                        latestOffset.remove(key);
                        latestValue.remove(key);
                    } else {
                        latestOffset.put(key, offset);
                        latestValue.put(key, value);
                    }
                }
                if (round == 0) {
                    // Never replaced: its segment is rewritten around it, and it stays at its offset.
                    long offset = producer.send(new ProducerRecord<>(topic, "key-stable", "forever"))
                            .get(20, TimeUnit.SECONDS).offset();
                    latestOffset.put("key-stable", offset);
                    latestValue.put("key-stable", "forever");
                }
                long end = log.logEndOffset();
                log.roll("test round " + round);
                eventually("round " + round + " uploaded").until(() -> broker.tiering().remoteEnd(tp) >= end - 1);
            }
        }
        long end = log.logEndOffset();

        eventually("local copies removed by local retention").until(() -> log.logStartOffset() >= end);
        eventually("remote segments compacted, tombstone past its horizon removed").until(() -> {
            Map<String, Long> seen = new LinkedHashMap<>();
            for (ConsumerRecord<String, String> r : readFromBeginning(tp, end)) {
                if (r.value() == null) {
                    return false;
                }
                if (seen.put(r.key(), r.offset()) != null) {
                    return false;
                }
            }
            return seen.equals(latestOffset);
        });

        List<ConsumerRecord<String, String>> records = readFromBeginning(tp, end);
        assertThat(records).extracting(ConsumerRecord::key).containsExactlyElementsOf(latestOffset.entrySet().stream()
                .sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList());
        for (ConsumerRecord<String, String> r : records) {
            assertThat(r.offset()).as(r.key() + " at its original offset").isEqualTo(latestOffset.get(r.key()));
            assertThat(r.value()).isEqualTo(latestValue.get(r.key()));
        }
        assertThat(counter("floe.cleaner.remote.segments.rewritten")).isGreaterThan(rewrittenBefore);
        assertThat(counter("floe.tier.fetch.bytes")).as("read from the bucket").isGreaterThan(remoteFetchBefore);
        assertThat(log.logStartOffset()).as("nothing of it is on local disk").isGreaterThanOrEqualTo(end);
        try (Stream<Path> objects = Files.walk(ROOT.resolve("bucket"))) {
            // Rounds 1-4 hold only replaced values and an expired tombstone: their segments left the bucket, data
            // and manifest. Round 0's was rewritten around key-stable (a later generation); round 5's is as uploaded.
            assertThat(objects.map(Path::toString).filter(p -> p.contains(topic) && p.endsWith(".log"))
                    .map(p -> p.substring(p.lastIndexOf('/') + 1)).sorted())
                    .as("log objects left in the bucket")
                    .containsExactly("00000000000000000000.c1.log", String.format("%020d.log", end - 4));
        }
        try (Stream<Path> objects = Files.walk(ROOT.resolve("bucket"))) {
            assertThat(objects.map(Path::toString).filter(p -> p.contains(topic) && p.endsWith(".manifest.json")))
                    .as("committed segments left in the bucket").hasSize(2);
        }
        assertThat(Files.exists(ROOT.resolve("data").resolve(RemoteCleaner.CHECKPOINT_FILE))).isTrue();
    }

    private double counter(String name) {
        return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static org.awaitility.core.ConditionFactory eventually(String what) {
        return org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100));
    }

    /** Everything from the earliest offset up to {@code end}, by assignment. */
    private static List<ConsumerRecord<String, String>> readFromBeginning(TopicPartition tp, long end) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 20000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
