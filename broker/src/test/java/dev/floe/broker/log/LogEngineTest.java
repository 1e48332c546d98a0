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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storage engine's items from issue 10, each shown on a real directory: index access racing with rolls and
 * retention, flushes off the partition's lock with a recovery point, sparse time indexes, lazy index mapping,
 * producer-state expiry and start-up from the newest snapshot.
 */
class LogEngineTest {
    private static final TopicPartition TP = new TopicPartition("engine", 0);

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

    private static LogConfig config(long segmentBytes, int indexIntervalBytes) {
        return new LogConfig(segmentBytes, Long.MAX_VALUE, -1, -1, 1 << 20, indexIntervalBytes, 1 << 16, false,
                -1, -1, false);
    }

    private PartitionLog open(LogConfig config, boolean clean, Executor flusher) throws IOException {
        return open(config, clean, flusher, -1);
    }

    private PartitionLog open(LogConfig config, boolean clean, Executor flusher, long checkpoint) throws IOException {
        return PartitionLog.open(TP, dir, config, clean, new SegmentReaper(scheduler, 0), tp -> { }, 0L, flusher,
                checkpoint);
    }

    private static MemoryRecords batch(long timestamp, String value) {
        return batch(-1, (short) -1, -1, timestamp, value);
    }

    private static MemoryRecords batch(long producerId, short epoch, int sequence, long timestamp, String value) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, timestamp, producerId, epoch, sequence, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        builder.append(timestamp, null, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }

    /** Every record from {@code from} to the high watermark, following batches across segments. */
    private static List<Long> readOffsets(PartitionLog log, long from) throws IOException {
        List<Long> offsets = new ArrayList<>();
        long offset = from;
        while (offset < log.highWatermark()) {
            ReadResult read = log.read(offset, 1 << 16, true);
            if (read.error() != Errors.NONE || read.slice().sizeInBytes() == 0) {
                break;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(read.slice().readAll()).batches()) {
                for (Record r : b) {
                    if (r.offset() >= offset) {
                        offsets.add(r.offset());
                    }
                }
                offset = b.lastOffset() + 1;
            }
        }
        return offsets;
    }

    /**
     * Item "MappedIndex can be unmapped while a reader uses it": readers search the indexes of segments that
     * rolls trim and retention deletes under them. Before the fix a deleted segment's index was set to null and a
     * concurrent search failed with a NullPointerException.
     */
    @Test
    void indexSearchesSurviveConcurrentRollsAndRetention() throws Exception {
        LogConfig cfg = config(600, 64);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        // Deleted files stay readable for file.delete.delay.ms, as in production; the indexes are closed at once.
        // fsyncs are beside the point here and slow on CI disks: flushes are dropped (the log is never closed).
        PartitionLog log = PartitionLog.open(TP, dir, cfg, true, new SegmentReaper(scheduler, 100), tp -> { },
                0L, flush -> { }, -1);
        {
            for (int i = 0; i < 100; i++) {
                log.appendAsLeader(batch(i, "seed" + i));
            }
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Thread reader = new Thread(() -> {
                    while (!done.get()) {
                        try {
                            long start = log.logStartOffset();
                            // Any error but "that offset is gone now" is a bug.
                            ReadResult read = log.read(start, 4096, true);
                            if (read.error() != Errors.NONE && read.error() != Errors.OFFSET_OUT_OF_RANGE) {
                                failures.add(new AssertionError("read at " + start + " answered " + read.error()));
                            }
                            log.offsetForTimestamp(start);
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }
                });
                reader.start();
                readers.add(reader);
            }
            for (int i = 100; i < 2_000 && failures.isEmpty(); i++) {
                log.appendAsLeader(batch(i, "v" + i));
                if (i % 10 == 0) {
                    log.applyRetention(i, s -> true, -1, 3000, "");
                }
            }
            done.set(true);
            for (Thread reader : readers) {
                reader.join();
            }
        }
        assertThat(failures).as("reads racing with rolls and retention").isEmpty();
    }

    /**
     * Item "the roll fsyncs under the partition's lock": with the flusher held, a roll and further appends still
     * complete, and the recovery point moves only once the flush has run.
     */
    @Test
    void rollsDoNotWaitForTheirFlushAndTheRecoveryPointFollowsIt() throws Exception {
        List<Runnable> heldFlushes = new ArrayList<>();
        Executor held = heldFlushes::add;
        try (PartitionLog log = open(config(300, 64), true, held)) {
            for (int i = 0; i < 20; i++) {
                assertThat(log.appendAsLeader(batch(i, "value-" + i)).ok()).isTrue();
            }
            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(log.recoveryPoint()).as("nothing flushed yet").isZero();
            assertThat(heldFlushes).as("one flush queued at a time per partition, the rest chained").hasSize(1);
            while (!heldFlushes.isEmpty()) {
                heldFlushes.remove(0).run();
            }
            List<LogSegment> segments = log.segments();
            assertThat(log.recoveryPoint()).as("flushed through the last rolled segment")
                    .isEqualTo(segments.get(segments.size() - 1).baseOffset());
            assertThat(Files.exists(ProducerSnapshots.file(dir, log.recoveryPoint())))
                    .as("the producer snapshot follows the flush").isTrue();
        }
    }

    /**
     * Item "recovery after a crash re-reads only what was not flushed": segments below the recovery point are
     * trusted unread; a torn batch in an unflushed segment that is not the last is found, and the segments after
     * it are dropped so the log stays contiguous. Before, only the last segment was checked.
     */
    @Test
    void recoveryVerifiesOnlySegmentsAboveTheRecoveryPoint() throws Exception {
        List<Runnable> heldFlushes = new ArrayList<>();
        long flushedThrough;
        PartitionLog log = open(config(300, 64), true, Runnable::run);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(batch(i, "value-" + i));
        }
        flushedThrough = log.recoveryPoint();
        int flushedSegments = log.segmentCount() - 1;
        assertThat(flushedThrough).isPositive();
        // Same directory, new instance that never flushes: as if the machine lost power before those flushes.
        log = open(config(300, 64), false, heldFlushes::add, flushedThrough);
        for (int i = 40; i < 80; i++) {
            log.appendAsLeader(batch(i, "value-" + i));
        }
        List<LogSegment> segments = log.segments();
        int unflushed = (int) segments.stream().filter(s -> s.baseOffset() >= flushedThrough).count();
        assertThat(unflushed).isGreaterThan(2);
        LogSegment torn = segments.stream().filter(s -> s.baseOffset() >= flushedThrough).findFirst().orElseThrow();
        // Crash: no close. Tear the first unflushed segment.
        try (RandomAccessFile raf = new RandomAccessFile(torn.logPath().toFile(), "rw")) {
            raf.setLength(raf.length() - 5);
        }
        try (PartitionLog recovered = open(config(300, 64), false, Runnable::run, flushedThrough)) {
            LogLoader.Recovery recovery = recovered.recovery();
            assertThat(recovery.segmentsVerified()).as("only the torn one is read before the rest is dropped")
                    .isEqualTo(1);
            assertThat(recovery.segmentsDropped()).isEqualTo(unflushed - 1);
            assertThat(recovered.segmentCount()).isEqualTo(flushedSegments + 1);
            long end = recovered.logEndOffset();
            assertThat(end).isGreaterThanOrEqualTo(flushedThrough).isLessThan(torn.lastOffset() + 1);
            assertThat(readOffsets(recovered, 0)).as("contiguous from 0 to the cut")
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, end).boxed().toList());
            assertThat(recovered.appendAsLeader(batch(999, "after")).baseOffset()).isEqualTo(end);
        }
    }

    /** A crash with nothing torn verifies exactly the unflushed segments and keeps them all. */
    @Test
    void recoveryOfAnIntactUnflushedTailKeepsEverything() throws Exception {
        PartitionLog log = open(config(300, 64), true, Runnable::run);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(batch(i, "value-" + i));
        }
        long flushedThrough = log.recoveryPoint();
        log = open(config(300, 64), false, r -> { }, flushedThrough);
        for (int i = 40; i < 80; i++) {
            log.appendAsLeader(batch(i, "value-" + i));
        }
        int unflushed = (int) log.segments().stream().filter(s -> s.baseOffset() >= flushedThrough).count();
        long end = log.logEndOffset();
        try (PartitionLog recovered = open(config(300, 64), false, Runnable::run, flushedThrough)) {
            assertThat(recovered.recovery().segmentsVerified()).isEqualTo(unflushed);
            assertThat(recovered.recovery().bytesCut()).isZero();
            assertThat(recovered.logEndOffset()).isEqualTo(end);
            assertThat(readOffsets(recovered, 0)).hasSize((int) end);
        }
    }

    /** Item "the time index gets an entry per batch": it follows index.interval.bytes, as the offset index does. */
    @Test
    void theTimeIndexIsSparse() throws Exception {
        int interval = 1024;
        try (PartitionLog log = open(config(1 << 20, interval), true, Runnable::run)) {
            for (int i = 0; i < 500; i++) {
                log.appendAsLeader(batch(1_000 + i, "value-" + i));
            }
            LogSegment active = log.segments().get(0);
            long entries = Files.size(active.timeIndexPath()) > 0 ? timeIndexEntries(log) : 0;
            int bound = active.size() / interval + 2;
            assertThat(entries).as("%d batches in %d bytes", 500, active.size()).isPositive().isLessThanOrEqualTo(bound);
            // Lookups stay exact although the index is sparse.
            TimestampOffset found = log.offsetForTimestamp(1_000 + 321);
            assertThat(found.offset()).isEqualTo(321);
            assertThat(log.offsetForTimestamp(1_000 + 499).offset()).isEqualTo(499);
        }
    }

    private static long timeIndexEntries(PartitionLog log) throws IOException {
        log.roll("test");
        LogSegment sealed = log.segments().get(0);
        return Files.size(sealed.timeIndexPath()) / TimeIndex.ENTRY_SIZE;
    }

    /**
     * Item "every sealed segment maps its two index files at start-up": after a restart no sealed segment's index
     * is mapped until a read needs it, and reads are still exact.
     */
    @Test
    void sealedIndexesAreMappedOnFirstUse() throws Exception {
        try (PartitionLog log = open(config(400, 64), true, Runnable::run)) {
            for (int i = 0; i < 200; i++) {
                log.appendAsLeader(batch(10_000 + i, "value-" + i));
            }
        }
        try (PartitionLog log = open(config(400, 64), true, Runnable::run)) {
            List<LogSegment> sealed = log.segments().subList(0, log.segmentCount() - 1);
            assertThat(sealed).hasSizeGreaterThan(10);
            assertThat(sealed).noneMatch(LogEngineTest::mapped);
            ReadResult read = log.read(137, 100, true);
            RecordBatch first = MemoryRecords.readableRecords(read.slice().readAll()).batches().iterator().next();
            assertThat(first.baseOffset()).isEqualTo(137);
            assertThat(log.offsetForTimestamp(10_000 + 150).offset()).isEqualTo(150);
            assertThat(sealed.stream().filter(LogEngineTest::mapped).count())
                    .as("only the segments those reads touched").isBetween(1L, 3L * 2);
        }
    }

    private static boolean mapped(LogSegment segment) {
        return segment.indexesMapped();
    }

    /**
     * Item "the producer-state table never expires producer ids": producers idle longer than
     * producer.id.expiration.ms are forgotten, and the expiry survives a restart through the snapshot.
     */
    @Test
    void idleProducersExpire() throws Exception {
        long now = System.currentTimeMillis();
        try (PartitionLog log = open(config(1 << 20, 64), true, Runnable::run)) {
            log.appendAsLeader(batch(1, (short) 0, 0, now - 10_000, "old"));
            log.appendAsLeader(batch(2, (short) 0, 0, now, "fresh"));
            assertThat(log.producerCount()).isEqualTo(2);
            assertThat(log.expireProducers(now, 5_000)).isEqualTo(1);
            assertThat(log.producerCount()).isEqualTo(1);
            // The forgotten producer is new again: its sequence restarts without OUT_OF_ORDER_SEQUENCE_NUMBER.
            assertThat(log.appendAsLeader(batch(1, (short) 0, 0, now, "again")).ok()).isTrue();
            log.roll("test");
        }
        try (PartitionLog log = open(config(1 << 20, 64), true, Runnable::run)) {
            assertThat(log.producerCount()).isEqualTo(2);
        }
    }

    /**
     * Item "start-up replays every batch header of every segment": it starts from the newest snapshot and
     * replays only the batches after it, and idempotence still holds across the restart.
     */
    @Test
    void startUpReplaysOnlyBatchesAfterTheNewestSnapshot() throws Exception {
        try (PartitionLog log = open(config(500, 64), true, Runnable::run)) {
            for (int i = 0; i < 200; i++) {
                log.appendAsLeader(batch(7, (short) 0, i, 1_000 + i, "value-" + i));
            }
            assertThat(log.segmentCount()).isGreaterThan(20);
        }
        try (PartitionLog log = open(config(500, 64), true, Runnable::run)) {
            LogSegment active = log.segments().get(log.segmentCount() - 1);
            long inActive = log.logEndOffset() - active.baseOffset();
            assertThat(log.replayedBatches()).as("only the active segment's batches").isEqualTo(inActive);
            AppendResult retry = log.appendAsLeader(batch(7, (short) 0, 199, 5_000, "value-199"));
            assertThat(retry.baseOffset()).as("a retry of the last batch is still a duplicate").isEqualTo(199);
            assertThat(log.appendAsLeader(batch(7, (short) 0, 150, 5_000, "x")).error())
                    .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(log.appendAsLeader(batch(7, (short) 0, 200, 5_000, "next")).baseOffset()).isEqualTo(200);
        }
    }

    /**
     * The recovery points of all partitions live in one checkpoint file: a broker that crashes after a checkpoint
     * verifies only the segments written after it, across every partition.
     */
    @Test
    void theLogManagerCheckpointsRecoveryPointsForEveryPartition() throws Exception {
        LogConfig cfg = config(300, 64);
        LogManager first = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        int totalSegments = 0;
        for (int p = 0; p < 4; p++) {
            PartitionLog log = first.open(new TopicPartition("many", p), cfg);
            for (int i = 0; i < 30; i++) {
                log.appendAsLeader(batch(i, "value-" + i));
            }
            totalSegments += log.segmentCount();
        }
        first.checkpointRecoveryPoints();
        // Crash: no close, so no clean-shutdown marker. Each partition's active segment is above its point.
        LogManager second = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        for (int p = 0; p < 4; p++) {
            PartitionLog log = second.open(new TopicPartition("many", p), cfg);
            assertThat(log.logEndOffset()).isEqualTo(30);
        }
        assertThat(totalSegments).isGreaterThan(4 * 3);
        assertThat(second.segmentsVerifiedAtStart()).as("only the four active segments").isEqualTo(4);
        second.close();
    }
}
