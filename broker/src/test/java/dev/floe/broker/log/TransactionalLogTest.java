package dev.floe.broker.log;

import dev.floe.tier.txn.AbortedTxn;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partition side of transactions on a real directory: the last stable offset held by open transactions,
 * read_committed reads that stop there, the aborted-transaction index, fencing by a marker's epoch, and all of
 * it surviving a roll and a restart (clean or not).
 */
class TransactionalLogTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long NOW = System.currentTimeMillis();

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

    private PartitionLog open(boolean clean) throws IOException {
        LogConfig config = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 1 << 20, 256, 1 << 16, false, -1, -1, false);
        return PartitionLog.open(TP, dir, config, clean, new SegmentReaper(scheduler, 0), tp -> { });
    }

    private static MemoryRecords txnBatch(long producerId, short epoch, int sequence, String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, NOW, producerId, epoch, sequence, true,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (String v : values) {
            builder.append(NOW, null, v.getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static MemoryRecords marker(long producerId, short epoch, boolean commit) {
        return MemoryRecords.withEndTransactionMarker(NOW, producerId, epoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0));
    }

    /** Offsets of the data records a read_committed read returns from {@code from}. */
    private static List<Long> committedOffsets(PartitionLog log, long from) throws IOException {
        List<Long> offsets = new ArrayList<>();
        ReadResult read = log.read(from, 1 << 20, true, ReadBound.LAST_STABLE_OFFSET);
        for (RecordBatch batch : MemoryRecords.readableRecords(read.slice().readAll()).batches()) {
            if (!batch.isControlBatch()) {
                batch.forEach(r -> offsets.add(r.offset()));
            }
        }
        return offsets;
    }

    @Test
    void anOpenTransactionHoldsTheLastStableOffsetUntilItsMarker() throws IOException {
        try (PartitionLog log = open(true)) {
            log.appendAsLeader(txnBatch(7, (short) 0, 0, "a", "b"));          // 0-1
            log.appendAsLeader(txnBatch(8, (short) 0, 0, "x"));               // 2
            assertThat(log.lastStableOffset()).isZero();
            assertThat(log.highWatermark()).isEqualTo(3);
            assertThat(committedOffsets(log, 0)).isEmpty();

            log.appendAsLeader(marker(7, (short) 0, true));                    // 3
            assertThat(log.lastStableOffset()).as("producer 8 still holds offset 2").isEqualTo(2);
            assertThat(committedOffsets(log, 0)).containsExactly(0L, 1L);

            log.appendAsLeader(marker(8, (short) 0, false));                   // 4
            assertThat(log.lastStableOffset()).isEqualTo(5).isEqualTo(log.highWatermark());
            assertThat(log.abortedTransactions(0, 5)).containsExactly(new AbortedTxn(8, 2, 4, 2));
            assertThat(log.abortedTransactions(5, 10)).isEmpty();
            assertThat(log.read(0, 1 << 20, true, ReadBound.HIGH_WATERMARK).slice().sizeInBytes())
                    .isEqualTo(log.read(0, 1 << 20, true, ReadBound.LAST_STABLE_OFFSET).slice().sizeInBytes());
        }
    }

    /**
     * A follower copies the leader's batches, markers included: it must know the open transactions and the
     * aborted ones as the leader does, or after a failover read_committed consumers of the new leader would see
     * records of open and aborted transactions. Failed before followers handled markers (LSO stayed at 0 and the
     * aborted-transaction index stayed empty).
     */
    @Test
    void aFollowerTracksTransactionsFromTheBatchesItCopies() throws IOException {
        LogConfig config = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 1 << 20, 256, 1 << 16, false, -1, -1, false);
        try (PartitionLog leader = PartitionLog.open(TP, dir.resolve("leader"), config, true,
                new SegmentReaper(scheduler, 0), tp -> { });
             PartitionLog follower = PartitionLog.open(TP, dir.resolve("follower"), config, true,
                     new SegmentReaper(scheduler, 0), tp -> { })) {
            leader.appendAsLeader(txnBatch(7, (short) 0, 0, "a", "b"));       // 0-1
            leader.appendAsLeader(txnBatch(8, (short) 0, 0, "x"));            // 2
            copy(leader, follower);
            assertThat(follower.lastStableOffset()).as("two transactions open").isZero();

            leader.appendAsLeader(marker(7, (short) 0, true));                 // 3
            leader.appendAsLeader(marker(8, (short) 0, false));                // 4
            copy(leader, follower);
            assertThat(follower.lastStableOffset()).isEqualTo(5);
            assertThat(follower.abortedTransactions(0, 5)).containsExactlyElementsOf(leader.abortedTransactions(0, 5))
                    .containsExactly(new AbortedTxn(8, 2, 4, 2));
        }
    }

    private static void copy(PartitionLog leader, PartitionLog follower) throws IOException {
        long from = follower.logEndOffset();
        follower.appendAsFollower(MemoryRecords.readableRecords(leader.read(from, 1 << 20, true, ReadBound.LOG_END)
                .slice().readAll()));
    }

    @Test
    void aMarkerAtABumpedEpochFencesTheOldProducer() throws IOException {
        try (PartitionLog log = open(true)) {
            log.appendAsLeader(txnBatch(7, (short) 3, 0, "zombie"));
            assertThat(log.appendAsLeader(marker(7, (short) 4, false)).ok()).isTrue();
            AppendResult late = log.appendAsLeader(txnBatch(7, (short) 3, 1, "late"));
            assertThat(late.error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
            assertThat(log.appendAsLeader(txnBatch(7, (short) 5, 0, "successor")).ok()).isTrue();
            assertThat(log.appendAsLeader(marker(7, (short) 4, true)).error())
                    .as("a marker older than the producer's epoch").isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        }
    }

    @Test
    void openTransactionsAndAbortsSurviveARollAndARestart() throws IOException {
        try (PartitionLog log = open(true)) {
            log.appendAsLeader(txnBatch(7, (short) 0, 0, "aborted"));        // 0
            log.appendAsLeader(marker(7, (short) 0, false));                   // 1
            log.roll("test");
            log.appendAsLeader(txnBatch(9, (short) 0, 0, "open"));            // 2
            log.roll("test");                                                  // the snapshot at 3 carries it
            log.appendAsLeader(txnBatch(10, (short) 0, 0, "committed"));      // 3
            log.appendAsLeader(marker(10, (short) 0, true));                   // 4
            log.flush();
        }
        assertThat(Files.exists(dir.resolve("00000000000000000000.txnindex"))).isTrue();
        for (boolean clean : new boolean[]{true, false}) {
            try (PartitionLog log = open(clean)) {
                assertThat(log.lastStableOffset()).as("clean=%s", clean).isEqualTo(2);
                assertThat(log.abortedTransactions(0, 5)).as("clean=%s", clean)
                        .containsExactly(new AbortedTxn(7, 0, 1, 0));
                assertThat(log.producers()).filteredOn(p -> p.producerId() == 9)
                        .extracting(ProducerView::txnFirstOffset).containsExactly(2L);
                log.appendAsLeader(marker(9, (short) 0, true));                // 5
                assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
                assertThat(committedOffsets(log, 2)).containsExactly(2L);
                assertThat(committedOffsets(log, 3)).containsExactly(3L);
                log.flush();
            }
            if (clean) {
                // A torn write of that marker: the unclean pass must find the transaction open again.
                truncateLastBatch();
            }
        }
    }

    /** Cut the last batch (the marker written by the first pass) off the active segment, like a torn write. */
    private void truncateLastBatch() throws IOException {
        Path active = dir.resolve("00000000000000000003.log");
        long size = Files.size(active);
        MemoryRecords last = marker(9, (short) 0, true);
        try (var ch = java.nio.channels.FileChannel.open(active, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size - last.sizeInBytes());
        }
    }
}
