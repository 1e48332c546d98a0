package dev.floe.broker.tier;

import dev.floe.broker.cleaner.CleanerConfig;
import dev.floe.broker.cleaner.CompactionSettings;
import dev.floe.broker.cleaner.LogCleaner;
import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentReaper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's race between the uploader and the local cleaner of a tiered compacted topic: an upload reads a segment's
 * log and then its index by path; a cleaner swapping in its cleaned copy between the two reads made one upload out
 * of two versions of the segment (CI saw S3 refuse such an upload). The store below stops an upload between its two
 * reads while the cleaner runs, so the interleaving is forced, not hoped for.
 */
class UploadWhileCleaningTest {
    private static final TopicPartition TP = new TopicPartition("tiered-compacted", 0);
    private static final CompactionSettings COMPACT = new CompactionSettings(true, 0.0, 0, Long.MAX_VALUE, 0, 1 << 20);

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

    /** Reads the log file, waits for the test to let it go on, then reads the offset index: what a real upload does. */
    static final class PausingStore extends TieringServiceTest.MemoryStore {
        final CountDownLatch logRead = new CountDownLatch(1);
        final CountDownLatch goOn = new CountDownLatch(1);
        volatile byte[] uploadedLog;
        volatile byte[] uploadedIndex;
        volatile long declaredSize;

        @Override
        public void upload(SealedSegment segment) throws IOException {
            if (uploadedLog == null) {
                uploadedLog = Files.readAllBytes(segment.log());
                declaredSize = segment.sizeBytes();
                logRead.countDown();
                try {
                    goOn.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                uploadedIndex = Files.readAllBytes(segment.offsetIndex());
            }
            super.upload(segment);
        }
    }

    private static MemoryRecords batch(String key, String value) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        builder.append(1_000L, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }

    @Test
    void theCleanerNeverSwapsASegmentWhileItIsBeingUploaded() throws Exception {
        // An index entry per batch (index.interval.bytes 1), so a cleaned copy's index differs from the original's.
        LogConfig config = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 1 << 20, 1, 1 << 16, false, -1, -1, true);
        LogManager logs = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        PartitionLog log = logs.open(TP, config);
        // The first segment: twenty updates to two keys, so cleaning it leaves two batches out of twenty.
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(batch("key-" + (i % 2), "value-" + i));
        }
        log.roll("test");
        log.appendAsLeader(batch("key-0", "newest"));
        log.roll("test");
        log.flush();
        long sealedSize = log.segments().get(0).size();

        PausingStore store = new PausingStore();
        TieringService tiering = new TieringService((topic, id, partition) -> store, logs, topic -> "id-" + topic,
                new SimpleMeterRegistry());
        LogCleaner cleaner = new LogCleaner(logs, tp -> COMPACT, new CleanerConfig(true, 1 << 20, 4096, 0, 1000),
                System::currentTimeMillis, new SimpleMeterRegistry());
        try {
            CompletableFuture<Void> pass = CompletableFuture.runAsync(tiering::uploadPass);
            assertThat(store.logRead.await(30, TimeUnit.SECONDS)).as("the upload started").isTrue();

            LogCleaner.Summary during = cleaner.cleanOnce();
            store.goOn.countDown();
            pass.get(30, TimeUnit.SECONDS);

            assertThat(store.uploadedLog).hasSize((int) sealedSize);
            assertThat(store.declaredSize).isEqualTo(sealedSize);
            assertIndexMatchesLog(store.uploadedIndex, store.uploadedLog, 0);
            assertThat(during).as("a clean was attempted").isNotNull();
            assertThat(during.aborted()).as("the clean of the segment under upload gave way").isTrue();

            // Once the upload is done the cleaner does its work: the local copy is compacted.
            LogCleaner.Summary after = cleaner.cleanOnce();
            assertThat(after).isNotNull();
            assertThat(after.aborted()).isFalse();
            assertThat((long) log.segments().get(0).size()).isLessThan(sealedSize);
        } finally {
            cleaner.close();
            tiering.close();
            logs.close();
        }
    }

    /**
     * Segments the cleaner emptied (every key replaced later) hold no timestamp: local time retention must still
     * free them, or it stops there for good (CI saw TieredCompactionTest wait a minute for it).
     */
    @Test
    void segmentsTheCleanerEmptiedLeaveLocalDiskOnceUploaded() throws Exception {
        // local.retention.ms 0: every uploaded sealed segment may go at once.
        LogConfig config = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 1 << 20, 1, 1 << 16, false, 0, -1, true);
        LogManager logs = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        PartitionLog log = logs.open(TP, config);
        TieringServiceTest.MemoryStore store = new TieringServiceTest.MemoryStore();
        TieringService tiering = new TieringService((topic, id, partition) -> store, logs, topic -> "id-" + topic,
                new SimpleMeterRegistry());
        logs.setDeletionGuard(tiering::isUploaded);
        LogCleaner cleaner = new LogCleaner(logs, tp -> COMPACT, new CleanerConfig(true, 1 << 20, 4096, 0, 1000),
                System::currentTimeMillis, new SimpleMeterRegistry());
        try {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 5; i++) {
                    log.appendAsLeader(batch("key-" + i, "round-" + round));
                }
                log.roll("test");
                log.flush();
                assertThat(cleaner.cleanOnce()).as("round %d cleaned before its upload", round).isNotNull();
                tiering.uploadPass();
            }
            long end = log.logEndOffset();
            logs.applyRetention();
            assertThat(log.logStartOffset()).as("every uploaded sealed segment left local disk").isEqualTo(end);
        } finally {
            cleaner.close();
            tiering.close();
            logs.close();
        }
    }

    /** Every index entry (4-byte relative offset, 4-byte position) must point at a batch of the uploaded log holding it. */
    private static void assertIndexMatchesLog(byte[] index, byte[] logBytes, long baseOffset) {
        ByteBuffer entries = ByteBuffer.wrap(index);
        int checked = 0;
        while (entries.remaining() >= 8) {
            int relative = entries.getInt();
            int position = entries.getInt();
            if (relative == 0 && position == 0 && checked > 0) {
                break; // preallocated, unused tail
            }
            assertThat(position).as("index entry %d inside the uploaded log", checked)
                    .isLessThan(logBytes.length);
            ByteBuffer at = ByteBuffer.wrap(logBytes, position, logBytes.length - position).slice();
            java.util.Iterator<MutableRecordBatch> batches = MemoryRecords.readableRecords(at).batches().iterator();
            assertThat(batches.hasNext()).as("index entry %d points at a whole batch", checked).isTrue();
            MutableRecordBatch batch = batches.next();
            assertThat(batch.isValid()).as("index entry %d points at a batch boundary", checked).isTrue();
            assertThat(baseOffset + relative).as("index entry %d's offset is in the batch it points at", checked)
                    .isBetween(batch.baseOffset(), batch.lastOffset());
            checked++;
        }
        assertThat(checked).as("the index has entries").isPositive();
    }
}
