package dev.floe.broker.produce;

import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.topic.TopicConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/** The produce path into a real partition log, with topic configs given by their Kafka names. */
class PartitionAppenderTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private LogManager logs;
    private SimpleMeterRegistry registry;
    private PartitionAppender appender;

    @BeforeEach
    void start() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logs = new LogManager(dir, new SegmentReaper(scheduler, 0));
        registry = new SimpleMeterRegistry();
        appender = new PartitionAppender(logs, new PartitionWriteQueues(Runnable::run), new TopicMetrics(registry),
                new CompressionMetrics(registry));
    }

    @AfterEach
    void stop() throws Exception {
        logs.close();
        scheduler.shutdownNow();
    }

    private void topic(Map<String, String> configs) throws Exception {
        logs.open(TP, new TopicConfigs(new Defaults(), false, 60000).logConfig(configs));
    }

    private static MemoryRecords batch(Compression codec, long timestamp, int count) {
        return batch(codec, timestamp, count, RecordBatch.NO_SEQUENCE);
    }

    /** A batch of an idempotent producer (id 77) when {@code sequence} is set, else of a plain one. */
    private static MemoryRecords batch(Compression codec, long timestamp, int count, int sequence) {
        long producerId = sequence == RecordBatch.NO_SEQUENCE ? RecordBatch.NO_PRODUCER_ID : 77L;
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2, codec,
                TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, (short) 0, sequence, false, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < count; i++) {
            builder.append(timestamp + i, ("k" + i).getBytes(), ("value " + i + " ".repeat(40)).getBytes());
        }
        return builder.build();
    }

    private AppendResult append(MemoryRecords records, short acks) throws Exception {
        return appender.append(TP, records, acks).get(10, TimeUnit.SECONDS);
    }

    private List<RecordBatch> stored() throws Exception {
        List<RecordBatch> batches = new ArrayList<>();
        try (FileRecords file = FileRecords.open(dir.resolve("t-0").resolve("00000000000000000000.log").toFile(), false)) {
            for (RecordBatch b : file.batches()) {
                b.ensureValid();
                batches.add(b);
            }
        }
        return batches;
    }

    @Test
    void batchesAreStoredInTheTopicsCodecWithOffsetsAssignedAndCounted() throws Exception {
        topic(Map.of("compression.type", "zstd", "compression.zstd.level", "9"));
        long now = System.currentTimeMillis();
        assertThat(append(batch(Compression.NONE, now, 5, 0), (short) 1).baseOffset()).isZero();
        AppendResult second = append(batch(Compression.gzip().build(), now, 3, 5), (short) 1);
        assertThat(second.baseOffset()).isEqualTo(5);
        assertThat(append(batch(Compression.zstd().build(), now, 2, 8), (short) 1).baseOffset()).isEqualTo(8);
        // A retry of the gzip batch is recognised by its producer sequence, which the rewrite kept.
        AppendResult retry = append(batch(Compression.gzip().build(), now, 3, 5), (short) 1);
        assertThat(retry.baseOffset()).isEqualTo(5);
        assertThat(logs.log(TP).logEndOffset()).isEqualTo(10);

        List<RecordBatch> batches = stored();
        assertThat(batches).extracting(RecordBatch::compressionType).containsOnly(CompressionType.ZSTD);
        assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 5L, 8L);
        assertThat(batches).extracting(RecordBatch::lastOffset).containsExactly(4L, 7L, 9L);
        assertThat(batches.get(1).producerId()).isEqualTo(77L);
        assertThat(batches.get(1).baseSequence()).isEqualTo(5);
        List<String> values = new ArrayList<>();
        for (RecordBatch b : batches) {
            for (Record r : b) {
                values.add(r.offset() + ":" + new String(org.apache.kafka.common.utils.Utils.toArray(r.key())));
            }
        }
        assertThat(values).containsExactly("0:k0", "1:k1", "2:k2", "3:k3", "4:k4", "5:k0", "6:k1", "7:k2", "8:k0", "9:k1");
        // The uncompressed and gzip batches (and the gzip retry) were rewritten; the zstd one went in as sent.
        assertThat(registry.get("floe.produce.recompressed.batches").tag("codec", "zstd").counter().count()).isEqualTo(3);
    }

    @Test
    void aLogAppendTimeTopicStampsRecompressedBatchesWithAValidCrc() throws Exception {
        topic(Map.of("compression.type", "lz4", "message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        AppendResult result = append(batch(Compression.NONE, 1_000L, 4), (short) 1);
        assertThat(result.logAppendTime()).isGreaterThanOrEqualTo(before);
        RecordBatch stored = stored().get(0);
        assertThat(stored.compressionType()).isEqualTo(CompressionType.LZ4);
        assertThat(stored.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(stored.maxTimestamp()).isEqualTo(result.logAppendTime());
    }

    @Test
    void recordsOutsideTheTimestampWindowAreNotWritten() throws Exception {
        topic(Map.of("message.timestamp.after.max.ms", "1000"));
        AppendResult result = append(batch(Compression.gzip().build(), System.currentTimeMillis() + 60_000, 2), (short) 1);
        assertThat(result.error()).isEqualTo(Errors.INVALID_TIMESTAMP);
        assertThat(logs.log(TP).logEndOffset()).isZero();
    }

    @Test
    void aCompressedBatchThatDoesNotDecompressIsRefusedAsCorrupt() throws Exception {
        topic(Map.of("compression.type", "lz4"));
        ByteBuffer bytes = batch(Compression.gzip().build(), System.currentTimeMillis(), 5).buffer();
        // Scramble the compressed records, then give the batch a matching CRC so only decompression can tell.
        for (int i = 61; i < bytes.limit(); i++) {
            bytes.put(i, (byte) (bytes.get(i) ^ 0x5a));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate().position(21));
        bytes.putInt(17, (int) crc.getValue());

        AppendResult result = append(MemoryRecords.readableRecords(bytes), (short) 1);

        assertThat(result.error()).isEqualTo(Errors.CORRUPT_MESSAGE);
        assertThat(logs.log(TP).logEndOffset()).isZero();
    }

    @Test
    void acksAllNeedsAsManyInSyncReplicasAsMinInsyncReplicas() throws Exception {
        topic(Map.of("min.insync.replicas", "2"));
        long now = System.currentTimeMillis();
        assertThat(append(batch(Compression.NONE, now, 1), (short) -1).error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(append(batch(Compression.NONE, now, 1), (short) 1).error()).isEqualTo(Errors.NONE);
    }

    /** Broker defaults for these tests: Kafka's, with small segments and indexes and no retention. */
    private static final class Defaults implements BrokerConfig.Defaults {
        @Override
        public long segmentBytes() {
            return 1 << 20;
        }

        @Override
        public long segmentMs() {
            return 604800000L;
        }

        @Override
        public long retentionMs() {
            return -1;
        }

        @Override
        public long retentionBytes() {
            return -1;
        }

        @Override
        public int maxMessageBytes() {
            return 1048588;
        }

        @Override
        public int indexIntervalBytes() {
            return 4096;
        }

        @Override
        public int segmentIndexBytes() {
            return 1 << 16;
        }

        @Override
        public int minInsyncReplicas() {
            return 1;
        }
    }
}
