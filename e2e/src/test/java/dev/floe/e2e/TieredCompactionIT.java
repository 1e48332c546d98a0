package dev.floe.e2e;

import dev.floe.tier.S3TestServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A compacted topic with remote.storage.enable=true on the packaged broker tiering to a real S3 server (s3proxy in
 * this JVM): keys updated after their old values went to the bucket, and a consumer from the beginning, reading
 * from the bucket, sees only the latest value per key at its original offset.
 */
class TieredCompactionIT {
    private static final String BUCKET = "floe-tier-compact";
    private static final String TOPIC = "compacted-cold";

    @Test
    void aConsumerFromTheBeginningSeesOnlyTheLatestValuePerKey() throws Exception {
        Path work = Files.createDirectories(Path.of("target", "e2e", "tiered-compaction-" + UUID.randomUUID()));
        try (S3TestServer s3 = new S3TestServer()) {
            s3.createBucket(BUCKET);
            FloeProcess broker = new FloeProcess(work, Map.of(
                    "FLOE_TIER_BACKEND", "s3",
                    "FLOE_TIER_CLUSTER", "e2e",
                    "FLOE_TIER_S3_BUCKET", BUCKET,
                    "FLOE_TIER_S3_ENDPOINT", s3.endpoint().toString(),
                    "FLOE_TIER_S3_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
                    "FLOE_TIER_S3_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY,
                    "FLOE_TIER_UPLOAD_INTERVAL_MS", "200",
                    "FLOE_LOG_CLEANER_BACKOFF_MS", "200",
                    "FLOE_RETENTION_CHECK_INTERVAL_MS", "200")).start();
            try {
                run(broker);
            } finally {
                broker.close();
            }
        }
    }

    private void run(FloeProcess broker) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact", "remote.storage.enable", "true", "segment.ms", "100",
                    "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "500", "local.retention.ms", "0"))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Long> latestOffset = new LinkedHashMap<>();
        Map<String, String> latestValue = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            // Each round's first append rolls the previous round's segment (segment.ms); the next round starts
            // once that segment is in the bucket, so its values replace uploaded ones.
            for (int round = 0; round < 5; round++) {
                for (int k = 0; k < 4; k++) {
                    String key = "key-" + k;
                    if (k == 2 && round == 4) {
                        continue;
                    }
                    // key-2 is deleted by a tombstone in round 3.
                    String value = k == 2 && round == 3 ? null : key + "-" + round;
                    long offset = producer.send(new ProducerRecord<>(TOPIC, key, value)).get(30, TimeUnit.SECONDS)
                            .offset();
                    if (value == null) {
                        latestOffset.remove(key);
                        latestValue.remove(key);
                    } else {
                        latestOffset.put(key, offset);
                        latestValue.put(key, value);
                    }
                }
                // The previous round's segment (rolled by this round's first append) is in the bucket, or the local
                // cleaner emptied it first (every record replaced): no sealed segment waits for an upload. Not counted
                // by manifests or uploads, which either cleaner can make go down or skip.
                await("segment of round " + (round - 1) + " uploaded", () -> uploadLagBytes(broker) == 0);
                // Pacing, not a wait for a result: segment.ms must pass before the next append rolls this segment.
                Thread.sleep(150);
            }
            // One more record rolls the last round's segment.
            long offset = producer.send(new ProducerRecord<>(TOPIC, "key-last", "last")).get(30, TimeUnit.SECONDS)
                    .offset();
            latestOffset.put("key-last", offset);
            latestValue.put("key-last", "last");
        }
        long lastRound = latestOffset.get("key-last");
        await("rounds uploaded and local copies removed", () -> localStart(broker) >= lastRound);
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        await("the bucket compacted", () -> {
            Map<String, Long> seen = new LinkedHashMap<>();
            for (ConsumerRecord<String, String> r : readFromBeginning(broker, tp, lastRound + 1)) {
                if (r.value() == null || seen.put(r.key(), r.offset()) != null) {
                    return false;
                }
            }
            return seen.equals(latestOffset);
        });
        for (ConsumerRecord<String, String> r : readFromBeginning(broker, tp, lastRound + 1)) {
            assertThat(r.offset()).isEqualTo(latestOffset.get(r.key()));
            assertThat(r.value()).isEqualTo(latestValue.get(r.key()));
        }
        assertThat(broker.logText()).contains("remote clean up to offset");
    }

    private static long localStart(FloeProcess broker) throws Exception {
        try (Stream<Path> files = Files.list(broker.dataDir().resolve(TOPIC + "-0"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20))).min().orElse(-1);
        }
    }

    /** Bytes of sealed segments not yet in the bucket (the broker's gauge on its Prometheus endpoint). */
    private static double uploadLagBytes(FloeProcess broker) throws Exception {
        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + broker.httpPort()
                        + "/q/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return metrics.body().lines().filter(l -> l.startsWith("floe_tier_upload_lag_bytes"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(-1);
    }

    private static List<ConsumerRecord<String, String>> readFromBeginning(FloeProcess broker, TopicPartition tp,
                                                                          long end) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 20000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (!condition.call()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }
}
