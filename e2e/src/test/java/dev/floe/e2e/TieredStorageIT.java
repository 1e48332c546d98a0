package dev.floe.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import dev.floe.tier.s3.S3ObjectStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import dev.floe.tier.store.ObjectStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tiered storage against a real S3 server (s3proxy in this JVM, real AWS SDK in the broker): segments move to the
 * bucket and leave the local disk, consumers read everything back, an empty local disk is refilled from the
 * bucket, an S3 outage loses nothing, and the replay tool reads the bucket with the broker stopped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieredStorageIT {
    private static final String BUCKET = "floe-tier";
    private static final String TOPIC = "cold";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 50_000;
    private static final long BASE_TS = 1_750_000_000_000L;

    private Path work;
    private S3TestServer s3;
    /** The broker reaches S3 through this, so the test can cut it off and restore it. */
    private TcpOutageProxy s3Link;
    private FloeProcess broker;
    /** What the producer was told: partition -> values in offset order. */
    private final Map<Integer, List<byte[]>> sent = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        work = Files.createDirectories(Path.of("target", "e2e", "tiered-" + UUID.randomUUID()));
        s3 = new S3TestServer();
        s3.createBucket(BUCKET);
        s3Link = new TcpOutageProxy(s3.port());
        // What a broker killed half way through a multipart segment upload leaves: an upload begun, never completed.
        try (S3Client raw = rawS3()) {
            String key = "e2e/" + TOPIC + "-AAAAAAAAAAAAAAAAAAAAAA/0/00000000000000000000.log";
            String id = raw.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
            raw.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(1),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[5 << 20]));
        }
        broker = new FloeProcess(work, Map.of(
                "FLOE_TIER_BACKEND", "s3",
                "FLOE_TIER_CLUSTER", "e2e",
                "FLOE_TIER_S3_BUCKET", BUCKET,
                "FLOE_TIER_S3_ENDPOINT", "http://127.0.0.1:" + s3Link.port(),
                "FLOE_TIER_S3_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
                "FLOE_TIER_S3_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY,
                "FLOE_TIER_UPLOAD_INTERVAL_MS", "300",
                "FLOE_RETENTION_CHECK_INTERVAL_MS", "300")).start();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            if (s3Link != null) {
                s3Link.close();
            }
            if (s3 != null) {
                s3.close();
            }
        }
    }

    private static byte[] value(int i) {
        byte[] v = new byte[1000];
        new Random(i).nextBytes(v);
        byte[] prefix = ("record-" + i + ":").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(prefix, 0, v, 0, prefix.length);
        return v;
    }

    private void produce(int from, int to) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(), ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 65536), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new ArrayList<>();
            for (int i = from; i < to; i++) {
                acks.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, BASE_TS + i,
                        ("k" + i).getBytes(StandardCharsets.UTF_8), value(i))));
            }
            for (int i = 0; i < acks.size(); i++) {
                var md = acks.get(i).get(60, TimeUnit.SECONDS);
                List<byte[]> values = sent.computeIfAbsent(md.partition(), p -> new ArrayList<>());
                assertThat(md.offset()).isEqualTo(values.size());
                values.add(value(from + i));
            }
        }
    }

    private List<String> bucketKeys() {
        try (S3ObjectStore bucket = new S3ObjectStore(s3.settings(BUCKET))) {
            return bucket.list("e2e/" + TOPIC + "-").stream().map(ObjectStore.ObjectInfo::key).toList();
        }
    }

    private List<String> allKeys() {
        try (S3ObjectStore bucket = new S3ObjectStore(s3.settings(BUCKET))) {
            return bucket.list("").stream().map(ObjectStore.ObjectInfo::key).limit(5).toList();
        }
    }

    private long localLogFiles(int partition) throws Exception {
        Path dir = broker.dataDir().resolve(TOPIC + "-" + partition);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".log")).count();
        }
    }

    private boolean localHasOffsetZero(int partition) {
        return Files.exists(broker.dataDir().resolve(TOPIC + "-" + partition).resolve("00000000000000000000.log"));
    }

    private static volatile String lastState = "";

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what + " (" + lastState + ")");
            }
            Thread.sleep(200);
        }
    }

    /** Reads every partition from the beginning and checks each record byte for byte against what was sent. */
    private void assertEverythingReadsBack() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1 << 20), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<byte[]> expected = sent.get(p);
                long next = 0;
                long deadline = System.currentTimeMillis() + 120_000;
                while (next < expected.size() && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        assertThat(r.offset()).as("partition %d reads in order with no gap", p).isEqualTo(next);
                        assertThat(Arrays.equals(r.value(), expected.get((int) next))).as("partition %d offset %d is byte-identical", p, next).isTrue();
                        next++;
                    }
                }
                assertThat(next).as("records read from partition %d", p).isEqualTo(expected.size());
            }
        }
    }

    private S3Client rawS3() {
        return S3Client.builder().endpointOverride(s3.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY))).build();
    }

    @Test
    @Order(0)
    void multipartUploadsLeftByAnEarlierRunAreAbortedAtStart() throws Exception {
        try (S3Client raw = rawS3()) {
            // The broker sweeps in the background after it starts; S3 has no event to wait on, so poll the bucket.
            await("the abandoned multipart upload is aborted",
                    () -> raw.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().isEmpty());
        }
        assertThat(bucketKeys()).as("the abandoned upload never became an object").isEmpty();
    }

    @Test
    @Order(1)
    void sealedSegmentsMoveToTheBucketAndReadBackTransparently() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1).configs(Map.of(
                    "segment.bytes", "1048576", "local.retention.bytes", "2097152",
                    // The records carry old timestamps: keep them forever in total, so only local retention acts.
                    "retention.ms", "-1")))).all().get(30, TimeUnit.SECONDS);
        }
        produce(0, RECORDS);
        await("the first segments are in the bucket and gone from local disk", () -> {
            List<String> keys = bucketKeys();
            for (int p = 0; p < PARTITIONS; p++) {
                String manifest = "/" + p + "/00000000000000000000.manifest.json";
                if (localHasOffsetZero(p) || keys.stream().noneMatch(k -> k.endsWith(manifest))) {
                    lastState = "partition " + p + ": local offset-0 segment present=" + localHasOffsetZero(p)
                            + ", " + keys.size() + " objects in the bucket, e.g. " + keys.stream().limit(3).toList()
                            + "; whole bucket: " + allKeys();
                    return false;
                }
            }
            return true;
        });
        await("each partition keeps only about local.retention.bytes (2 MiB of 1 MiB segments) locally", () -> {
            try {
                for (int p = 0; p < PARTITIONS; p++) {
                    if (localLogFiles(p) > 5) {
                        lastState = "partition " + p + " has " + localLogFiles(p) + " local segments";
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(bucketKeys().stream().filter(k -> k.endsWith(".manifest.json")).count()).isGreaterThan(30);

        assertEverythingReadsBack();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            TopicPartition tp = new TopicPartition(TOPIC, 1);
            int i = 3001; // record 3001 went to partition 1 at offset 1000, long since tiered
            var found = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(BASE_TS + i))).all().get(30, TimeUnit.SECONDS).get(tp);
            assertThat(found.offset()).isEqualTo(1000);
            var earliest = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get(30, TimeUnit.SECONDS).get(tp);
            assertThat(earliest.offset()).as("the log starts in the bucket").isZero();
        }
    }

    @Test
    @Order(2)
    void anEmptyLocalDiskIsServedFromTheBucket() throws Exception {
        broker.stop();
        for (int p = 0; p < PARTITIONS; p++) {
            Path dir = broker.dataDir().resolve(TOPIC + "-" + p);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        // What never reached the bucket (the active tail) is gone with the disk; the bucket holds the rest.
        Map<Integer, Integer> keep = new HashMap<>();
        broker.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp).offset();
                assertThat(end).as("partition %d resumes after its last uploaded offset", p).isPositive()
                        .isLessThanOrEqualTo(sent.get(p).size());
                // The idempotent producers' state came back from the bucket with the last segment.
                Path snapshot = broker.dataDir().resolve(TOPIC + "-" + p).resolve(String.format("%020d.snapshot", end));
                assertThat(snapshot).as("producer state restored at the new log start").exists();
                assertThat(Files.size(snapshot)).as("it names the test's producer").isGreaterThan(12);
                keep.put(p, (int) end);
            }
        }
        keep.forEach((p, end) -> sent.put(p, new ArrayList<>(sent.get(p).subList(0, end))));
        assertEverythingReadsBack();
    }

    @Test
    @Order(3)
    void anObjectStoreOutageNeitherBlocksProduceNorLosesLocalSegments() throws Exception {
        s3Link.setDown(true);
        Map<Integer, Integer> before = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            before.put(p, sent.get(p).size());
        }
        produce(RECORDS, RECORDS + 15_000);
        Thread.sleep(3000);
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(Files.exists(broker.dataDir().resolve(TOPIC + "-" + p).resolve(String.format("%020d.log", before.get(p)))))
                    .as("partition %d keeps its unuploaded segments while S3 is down", p).isTrue();
        }
        s3Link.setDown(false);
        await("uploads catch up once S3 is back", () -> {
            List<String> keys = bucketKeys();
            for (int p = 0; p < PARTITIONS; p++) {
                String key = "/" + p + "/" + String.format("%020d", before.get(p)) + ".manifest.json";
                if (keys.stream().noneMatch(k -> k.endsWith(key))) {
                    return false;
                }
            }
            return true;
        });
        assertEverythingReadsBack();
    }

    @Test
    @Order(4)
    void replayReadsTheBucketWithTheBrokerStopped() throws Exception {
        broker.stop();
        Path jar = Path.of(System.getProperty("floe.replay.jar"));
        assertThat(jar).as("the replay tool is packaged by ./mvnw package").exists();
        ProcessBuilder pb = new ProcessBuilder(FloeProcess.javaBin(), "-jar", jar.toString(), "replay", "--store", "s3://" + BUCKET,
                "--endpoint", s3.endpoint().toString(), "--path-style", "--cluster", "e2e", "--topic", TOPIC, "--partition", "2",
                "--from-offset", "100", "--to-offset", "1099");
        pb.environment().put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
        pb.environment().put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
        pb.environment().put("AWS_REGION", "us-east-1");
        Path out = work.resolve("replay.ndjson");
        Process replay = pb.redirectOutput(out.toFile()).redirectError(work.resolve("replay.err").toFile()).start();
        assertThat(replay.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(replay.exitValue()).as(Files.readString(work.resolve("replay.err"))).isZero();
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(1000);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode record = json.readTree(lines.get(i));
            long offset = record.get("offset").asLong();
            assertThat(offset).isEqualTo(100 + i);
            byte[] expected = sent.get(2).get((int) offset);
            String valueField = record.get("value").asText();
            byte[] actual = record.has("valueEncoding")
                    ? java.util.Base64.getDecoder().decode(valueField) : valueField.getBytes(StandardCharsets.UTF_8);
            assertThat(Arrays.equals(actual, expected)).as("replayed offset %d is byte-identical", offset).isTrue();
        }
    }

    @Test
    @Order(5)
    void deletingTheTopicDeletesItsTieredData() throws Exception {
        broker.start();
        assertThat(bucketKeys()).isNotEmpty();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.deleteTopics(List.of(TOPIC)).all().get(30, TimeUnit.SECONDS);
        }
        await("the deleted topic's objects are gone from the bucket", () -> {
            List<String> left = bucketKeys();
            lastState = left.size() + " objects left, e.g. " + left.stream().limit(3).toList();
            return left.isEmpty();
        });
    }
}
