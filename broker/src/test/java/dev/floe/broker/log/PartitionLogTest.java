package dev.floe.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/** The partition log on a real directory: appends, reads, rolls, retention and recovery after a crash. */
class PartitionLogTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static LogConfig config(long segmentBytes) {
        return new LogConfig(segmentBytes, Long.MAX_VALUE, -1, -1, 1 << 20, 256, 1 << 16, false, -1, -1, false);
    }

    private PartitionLog open(LogConfig config, boolean clean) throws IOException {
        return PartitionLog.open(TP, dir, config, clean, new SegmentReaper(scheduler, 0), tp -> { });
    }

    private static MemoryRecords batch(long timestamp, String... values) {
        return batch(-1, (short) -1, -1, timestamp, values);
    }

    private static MemoryRecords batch(long producerId, short epoch, int sequence, long timestamp, String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024 + values.length * 64),
                RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, TimestampType.CREATE_TIME, 0L, timestamp,
                producerId, epoch, sequence, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (String v : values) {
            builder.append(timestamp, null, v.getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static List<String> readValues(PartitionLog log, long from) throws IOException {
        List<String> values = new ArrayList<>();
        long offset = from;
        while (offset < log.highWatermark()) {
            ReadResult read = log.read(offset, 1 << 20, true);
            if (read.slice().sizeInBytes() == 0) {
                break;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(read.slice().readAll()).batches()) {
                for (Record r : b) {
                    if (r.offset() >= offset) {
                        values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                    }
                }
                offset = b.lastOffset() + 1;
            }
        }
        return values;
    }

    @Test
    void appendsAssignContiguousOffsetsAndRollBySize() throws Exception {
        try (PartitionLog log = open(config(2000), true)) {
            for (int i = 0; i < 50; i++) {
                AppendResult r = log.appendAsLeader(batch(1000 + i, "a" + i, "b" + i));
                assertThat(r.ok()).isTrue();
                assertThat(r.baseOffset()).isEqualTo(2L * i);
                assertThat(r.lastOffset()).isEqualTo(2L * i + 1);
            }
            assertThat(log.logEndOffset()).isEqualTo(100);
            assertThat(log.segmentCount()).as("2000-byte segments roll").isGreaterThan(2);
            List<String> values = readValues(log, 37);
            assertThat(values).hasSize(63);
            assertThat(values.get(0)).isEqualTo("b18");
        }
    }

    @Test
    void readBeyondTheEndIsOutOfRangeAndAtTheEndIsEmpty() throws Exception {
        try (PartitionLog log = open(config(1 << 20), true)) {
            log.appendAsLeader(batch(1, "x"));
            assertThat(log.read(1, 1000, true).slice().sizeInBytes()).isZero();
            assertThat(log.read(1, 1000, true).error()).isEqualTo(Errors.NONE);
            assertThat(log.read(5, 1000, true).error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        }
    }

    @Test
    void aTornLastBatchIsCutAfterAnUncleanStopAndAppendsContinue() throws Exception {
        try (PartitionLog log = open(config(1 << 20), true)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(i, "v" + i));
            }
        }
        Path segment = SegmentNames.logFile(dir, 0);
        long size = Files.size(segment);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(size - 7);
        }
        try (PartitionLog log = open(config(1 << 20), false)) {
            assertThat(log.logEndOffset()).as("the torn tenth batch is gone").isEqualTo(9);
            assertThat(log.appendAsLeader(batch(100, "after")).baseOffset()).isEqualTo(9);
            assertThat(readValues(log, 0)).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "after");
        }
    }

    @Test
    void aCorruptBatchFailsItsCrcAndIsCutAtRecovery() throws Exception {
        long corruptAt;
        try (PartitionLog log = open(config(1 << 20), true)) {
            for (int i = 0; i < 5; i++) {
                log.appendAsLeader(batch(i, "v" + i));
            }
            corruptAt = log.segments().get(0).size() - 3;
        }
        try (RandomAccessFile raf = new RandomAccessFile(SegmentNames.logFile(dir, 0).toFile(), "rw")) {
            raf.seek(corruptAt);
            raf.write(0x5A);
        }
        try (PartitionLog log = open(config(1 << 20), false)) {
            assertThat(log.logEndOffset()).isEqualTo(4);
        }
    }

    @Test
    void indexesSurviveACleanRestartAndAreRebuiltAfterACrash() throws Exception {
        try (PartitionLog log = open(config(1 << 20), true)) {
            for (int i = 0; i < 200; i++) {
                log.appendAsLeader(batch(10_000 + i, "value-" + i));
            }
        }
        try (PartitionLog log = open(config(1 << 20), true)) {
            assertThat(log.logEndOffset()).isEqualTo(200);
            assertThat(readValues(log, 150).get(0)).isEqualTo("value-150");
            assertThat(log.offsetForTimestamp(10_120).offset()).isEqualTo(120);
        }
        Files.delete(SegmentNames.indexFile(dir, 0));
        try (PartitionLog log = open(config(1 << 20), false)) {
            assertThat(readValues(log, 199)).containsExactly("value-199");
            assertThat(log.offsetForTimestamp(10_042).offset()).isEqualTo(42);
        }
    }

    @Test
    void sizeRetentionDeletesWholeOldSegments() throws Exception {
        try (PartitionLog log = open(config(1000), true)) {
            for (int i = 0; i < 60; i++) {
                log.appendAsLeader(batch(System.currentTimeMillis(), "payload-" + i));
            }
            int before = log.segmentCount();
            int deleted = log.applyRetention(System.currentTimeMillis(), s -> true, -1, 2000, "");
            assertThat(deleted).isPositive();
            assertThat(log.segmentCount()).isEqualTo(before - deleted);
            assertThat(log.sizeInBytes()).isLessThan(2000 + 1000);
            assertThat(log.logStartOffset()).isPositive();
            assertThat(log.read(0, 100, true).error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        }
    }

    @Test
    void removedSegmentsWaitTheTopicsFileDeleteDelayOrElseTheBrokers() throws Exception {
        // The reaper's scheduler records the delays it is asked for instead of waiting them out.
        List<Long> delays = new ArrayList<>();
        ScheduledExecutorService recording = new java.util.concurrent.ScheduledThreadPoolExecutor(1) {
            @Override
            public java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long delay,
                                                                    java.util.concurrent.TimeUnit unit) {
                delays.add(unit.toMillis(delay));
                return super.schedule(() -> { }, 0, unit);
            }
        };
        LogConfig base = config(1000);
        LogConfig topicDelay = new LogConfig(base.segmentBytes(), base.segmentMs(), -1, -1, base.maxMessageBytes(),
                base.indexIntervalBytes(), base.segmentIndexBytes(), false, -1, -1, false, false, RecordRules.AS_SENT,
                Long.MAX_VALUE, Long.MAX_VALUE, 12_345);
        try {
            for (LogConfig config : List.of(topicDelay, base)) {
                Path logDir = dir.resolve(config == topicDelay ? "topic-delay" : "broker-delay");
                try (PartitionLog log = PartitionLog.open(TP, logDir, config, true, new SegmentReaper(recording, 777),
                        tp -> { })) {
                    for (int i = 0; i < 20; i++) {
                        log.appendAsLeader(batch(System.currentTimeMillis(), "payload-" + i));
                    }
                    assertThat(log.applyRetention(System.currentTimeMillis(), s -> true, -1, 0, "")).isPositive();
                }
                assertThat(delays).isNotEmpty().allMatch(d -> d == (config == topicDelay ? 12_345L : 777L));
                delays.clear();
            }
        } finally {
            recording.shutdownNow();
        }
    }

    @Test
    void timeRetentionKeepsSegmentsTheGuardProtects() throws Exception {
        try (PartitionLog log = open(config(1000), true)) {
            for (int i = 0; i < 40; i++) {
                log.appendAsLeader(batch(1000, "old-" + i));
            }
            assertThat(log.applyRetention(System.currentTimeMillis(), s -> false, 60_000, -1, "")).isZero();
            assertThat(log.applyRetention(System.currentTimeMillis(), s -> true, 60_000, -1, "")).isPositive();
            assertThat(log.logStartOffset()).isEqualTo(40);
            assertThat(log.appendAsLeader(batch(System.currentTimeMillis(), "new")).baseOffset()).isEqualTo(40);
        }
    }

    @Test
    void idempotentRetriesAreDroppedAndGapsRefused() throws Exception {
        try (PartitionLog log = open(config(1 << 20), true)) {
            assertThat(log.appendAsLeader(batch(7, (short) 0, 0, 1, "a", "b")).baseOffset()).isEqualTo(0);
            AppendResult retry = log.appendAsLeader(batch(7, (short) 0, 0, 1, "a", "b"));
            assertThat(retry.ok()).isTrue();
            assertThat(retry.baseOffset()).as("a duplicate answers with the original offset").isEqualTo(0);
            assertThat(log.logEndOffset()).isEqualTo(2);
            AppendResult gap = log.appendAsLeader(batch(7, (short) 0, 5, 1, "c"));
            assertThat(gap.error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(log.appendAsLeader(batch(7, (short) 0, 2, 1, "c")).baseOffset()).isEqualTo(2);
            assertThat(log.appendAsLeader(batch(7, (short) 1, 0, 1, "d")).ok()).as("new epoch starts at 0").isTrue();
            assertThat(log.appendAsLeader(batch(7, (short) 0, 3, 1, "e")).error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        }
        try (PartitionLog log = open(config(1 << 20), true)) {
            AppendResult retryAfterRestart = log.appendAsLeader(batch(7, (short) 1, 0, 1, "d"));
            assertThat(retryAfterRestart.baseOffset()).as("producer state is rebuilt from the log").isEqualTo(3);
            assertThat(log.logEndOffset()).isEqualTo(4);
        }
    }

    @Test
    void producerStateOutlivesTheSegmentsThatBuiltItThroughSnapshots() throws Exception {
        try (PartitionLog log = open(config(1 << 20), true)) {
            assertThat(log.appendAsLeader(batch(9, (short) 0, 0, 1, "a")).baseOffset()).isEqualTo(0);
            log.roll("test");
            // Another producer fills the next segment; producer 9's only batch is in the first one.
            assertThat(log.appendAsLeader(batch(11, (short) 0, 0, 1, "b")).baseOffset()).isEqualTo(1);
            log.roll("test");
            assertThat(Files.exists(ProducerSnapshots.file(dir, 1))).as("snapshot written at the roll").isTrue();
            assertThat(log.applyRetention(System.currentTimeMillis(), s -> true, -1, 0, "")).isEqualTo(2);
            assertThat(log.logStartOffset()).isEqualTo(2);
            assertThat(Files.exists(ProducerSnapshots.file(dir, 1))).as("older snapshots go with their segments").isFalse();
        }
        try (PartitionLog log = open(config(1 << 20), true)) {
            // Both producers' batches are gone from disk; their state came back from the snapshot at the log start.
            AppendResult retry = log.appendAsLeader(batch(9, (short) 0, 0, 1, "a"));
            assertThat(retry.baseOffset()).as("a retry of a deleted batch is still a duplicate").isEqualTo(0);
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(log.appendAsLeader(batch(11, (short) 0, 5, 1, "gap")).error())
                    .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(log.appendAsLeader(batch(11, (short) 0, 1, 1, "c")).baseOffset()).isEqualTo(2);
        }
    }

    @Test
    void aCorruptSnapshotFallsBackToTheSegments() throws Exception {
        try (PartitionLog log = open(config(1 << 20), true)) {
            log.appendAsLeader(batch(9, (short) 0, 0, 1, "a"));
            log.roll("test");
            log.appendAsLeader(batch(9, (short) 0, 1, 1, "b"));
        }
        Files.write(ProducerSnapshots.file(dir, 0), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13});
        try (PartitionLog log = open(config(1 << 20), true)) {
            assertThat(log.appendAsLeader(batch(9, (short) 0, 1, 1, "b")).baseOffset()).isEqualTo(1);
            assertThat(log.appendAsLeader(batch(9, (short) 0, 2, 1, "c")).baseOffset()).isEqualTo(2);
        }
    }
}
