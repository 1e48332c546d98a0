package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, "start-up of a broker holding 2,000 partitions and 50,000 segments; recovery after SIGKILL reads only
 * the unflushed tail". The segments are written in Kafka's on-disk format straight into the data directory (a
 * live broker would spend minutes on 50,000 rolls and their fsyncs), then the packaged broker starts on them.
 * How long start-up takes is a benchmark figure (bench/startup.sh), not asserted here.
 */
class ManySegmentsStartupIT {
    private static final int PARTITIONS = 2_000;
    private static final int SEGMENTS_PER_PARTITION = 25;
    private static final int RECORDS_PER_SEGMENT = 2;
    private static final Pattern RECOVERED = Pattern.compile(
            "verified (\\d+) segments \\((\\d+) bytes\\) above their recovery points, trusted the other (\\d+)");

    @TempDir
    Path work;

    @Test
    void startsOnFiftyThousandSegmentsAndRecoversOnlyTheUnflushedTailAfterSigkill() throws Exception {
        String topic = "many-segments";
        try (FloeProcess broker = new FloeProcess(work).readyTimeout(Duration.ofMinutes(4))) {
            broker.start();
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
            }
            broker.stop();
            writeSegments(broker.dataDir(), topic);

            long started = System.nanoTime();
            broker.start();
            System.out.printf("[ManySegmentsStartupIT] started on %d segments in %d ms%n",
                    PARTITIONS * SEGMENTS_PER_PARTITION, (System.nanoTime() - started) / 1_000_000);
            assertThat(log(work)).contains("after a clean shutdown; no segment was read");
            long perPartition = (long) SEGMENTS_PER_PARTITION * RECORDS_PER_SEGMENT;
            assertThat(latestOffsets(broker, topic)).as("every partition ends where its last segment does")
                    .allSatisfy((tp, end) -> assertThat(end).isEqualTo(perPartition));
            assertThat(readAll(broker, new TopicPartition(topic, 1234), perPartition))
                    .as("a partition reads back across its 25 segments")
                    .containsExactlyElementsOf(expectedValues(1234, perPartition));

            // One acknowledged record per partition, then SIGKILL: nothing flushed since the start.
            Map<TopicPartition, Long> acknowledged = produceOneEach(broker, topic);
            broker.kill();
            broker.start();
            Matcher m = RECOVERED.matcher(log(work));
            assertThat(m.find()).as("the broker says what recovery read").isTrue();
            int verified = Integer.parseInt(m.group(1));
            int trusted = Integer.parseInt(m.group(3));
            // Only each partition's active segment (plus the internal topics' few) lay above a recovery point.
            assertThat(verified).isLessThanOrEqualTo(PARTITIONS + 100);
            assertThat(trusted).isGreaterThanOrEqualTo(PARTITIONS * (SEGMENTS_PER_PARTITION - 1));
            Map<TopicPartition, Long> ends = latestOffsets(broker, topic);
            acknowledged.forEach((tp, offset) -> assertThat(ends.get(tp)).as("%s keeps its acknowledged record", tp)
                    .isGreaterThan(offset));
        }
    }

    private static Admin admin(FloeProcess broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000));
    }

    private static String log(Path work) throws Exception {
        return Files.readString(work.resolve("broker.log"));
    }

    /** Segment files of {@code RECORDS_PER_SEGMENT} records each, named by base offset as Kafka names them. */
    private static void writeSegments(Path dataDir, String topic) throws Exception {
        for (int p = 0; p < PARTITIONS; p++) {
            Path dir = dataDir.resolve(topic + "-" + p);
            Files.createDirectories(dir);
            try (var old = Files.list(dir)) {
                for (Path f : (Iterable<Path>) old::iterator) {
                    if (f.getFileName().toString().matches("\\d{20}\\.(log|index|timeindex)")) {
                        Files.delete(f);
                    }
                }
            }
            for (int s = 0; s < SEGMENTS_PER_PARTITION; s++) {
                long base = (long) s * RECORDS_PER_SEGMENT;
                MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(512),
                        RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, TimestampType.CREATE_TIME, base);
                for (int r = 0; r < RECORDS_PER_SEGMENT; r++) {
                    builder.append(System.currentTimeMillis(), null,
                            value(p, base + r).getBytes(StandardCharsets.UTF_8));
                }
                ByteBuffer bytes = builder.build().buffer();
                try (FileChannel ch = FileChannel.open(dir.resolve(String.format("%020d.log", base)),
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    while (bytes.hasRemaining()) {
                        ch.write(bytes);
                    }
                }
            }
        }
    }

    private static String value(int partition, long offset) {
        return "p" + partition + "-o" + offset;
    }

    private static List<String> expectedValues(int partition, long count) {
        List<String> values = new ArrayList<>();
        for (long o = 0; o < count; o++) {
            values.add(value(partition, o));
        }
        return values;
    }

    private static Map<TopicPartition, Long> latestOffsets(FloeProcess broker, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        try (Admin admin = admin(broker)) {
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                    : admin.listOffsets(request).all().get().entrySet()) {
                ends.put(e.getKey(), e.getValue().offset());
            }
        }
        assertThat(ends).hasSize(PARTITIONS);
        return ends;
    }

    private static List<String> readAll(FloeProcess broker, TopicPartition tp, long count) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    private static Map<TopicPartition, Long> produceOneEach(FloeProcess broker, String topic) throws Exception {
        Map<TopicPartition, Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new HashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20),
                new StringSerializer(), new StringSerializer())) {
            for (int p = 0; p < PARTITIONS; p++) {
                sent.put(new TopicPartition(topic, p), producer.send(new ProducerRecord<>(topic, p, null, "after")));
            }
            producer.flush();
        }
        Map<TopicPartition, Long> acknowledged = new HashMap<>();
        for (Map.Entry<TopicPartition, Future<org.apache.kafka.clients.producer.RecordMetadata>> e : sent.entrySet()) {
            acknowledged.put(e.getKey(), e.getValue().get().offset());
        }
        return acknowledged;
    }
}
