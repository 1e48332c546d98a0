package dev.floe.broker.replication;

import dev.floe.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader's side of replication on a real log, with a clock the test moves: the high watermark follows the
 * slowest in-sync replica, acks=all waits complete when it passes them, followers leave the in-sync set when they
 * lag and return when they catch up, and a deposed leader stops answering.
 */
class PartitionReplicaTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final long LAG_MS = 10_000;

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private PartitionLog log;
    private PartitionReplica replica;
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<PartitionReplica.Completion> done = new ArrayList<>();

    @BeforeEach
    void leadInEpochOne() throws IOException {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        log = TestLogs.replicated(TP, dir, scheduler, 0);
        replica = new PartitionReplica(TP, log, 0, LAG_MS, now::get);
        replica.apply(new PartitionReplica.Assignment(0, 1, List.of(0, 1, 2), List.of(0, 1, 2)), done);
    }

    @AfterEach
    void close() throws IOException {
        log.close();
        scheduler.shutdownNow();
    }

    private void append(String... values) throws IOException {
        log.appendAsLeader(TestLogs.batch(values));
        replica.leaderAppended(done);
    }

    private List<Integer> fetched(int follower, long offset) throws IOException {
        List<Integer> isr = replica.followerFetched(follower, offset, 0, done);
        runCompletions();
        return isr;
    }

    private void runCompletions() {
        done.forEach(PartitionReplica.Completion::run);
        done.clear();
    }

    /**
     * An acks=all append registers its wait after the append; if leadership moves in between, records the in-sync
     * replicas already hold must still be answered as written. Before, the wait answered NOT_LEADER_OR_FOLLOWER: the
     * producer retried that batch while a later batch, waited for earlier, had been acknowledged, so its callbacks
     * came out of offset order (ReplicationFailoverIT's per-partition order check failed in CI).
     */
    @Test
    void aWaitRegisteredAfterLeadershipMovedAnswersCommittedRecordsAsWritten() throws IOException {
        append("a", "b");
        long end = log.logEndOffset();
        fetched(1, end);
        fetched(2, end);
        assertThat(log.highWatermark()).isEqualTo(end);
        replica.apply(new PartitionReplica.Assignment(1, 2, List.of(0, 1, 2), List.of(0, 1, 2)), done);
        runCompletions();
        assertThat(replica.role()).isEqualTo(PartitionReplica.Role.FOLLOWER);

        assertThat(replica.await(end, 2)).as("committed before the move").isCompletedWithValue(Errors.NONE);
        assertThat(replica.await(end + 1, 2)).as("not committed: the new leader decides")
                .isCompletedWithValue(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    /**
     * DeleteRecords answers only once every in-sync replica has moved its log start (Kafka's delayed DeleteRecords):
     * any of them may lead next and must not serve the deleted records.
     */
    @Test
    void deleteRecordsWaitsForEveryInSyncReplicasLogStart() throws IOException {
        append("a", "b", "c", "d");
        fetched(1, 4);
        fetched(2, 4);
        log.advanceLogStartOffset(3);

        java.util.concurrent.CompletableFuture<Errors> wait = replica.awaitLowWatermark(3);
        assertThat(wait).as("the followers still start at 0").isNotDone();
        replica.followerFetched(1, 4, 3, done);
        runCompletions();
        assertThat(wait).as("follower 2 still starts at 0").isNotDone();
        replica.followerFetched(2, 4, 3, done);
        runCompletions();
        assertThat(wait).isCompletedWithValue(Errors.NONE);
        assertThat(replica.awaitLowWatermark(2)).as("already reached").isCompletedWithValue(Errors.NONE);

        java.util.concurrent.CompletableFuture<Errors> lost = replica.awaitLowWatermark(4);
        replica.resign(done);
        runCompletions();
        assertThat(lost).isCompletedWithValue(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void highWatermarkIsTheSlowestInSyncReplicasLogEndAndConsumersSeeNothingAbove() throws IOException {
        append("a", "b");
        append("c");
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(log.highWatermark()).as("no follower has anything yet").isZero();
        assertThat(TestLogs.consumerView(log)).isEmpty();
        assertThat(TestLogs.wholeLog(log)).containsExactly("a", "b", "c");

        fetched(1, 3);
        assertThat(log.highWatermark()).as("follower 2 still has nothing").isZero();
        fetched(2, 2);
        assertThat(log.highWatermark()).isEqualTo(2);
        assertThat(TestLogs.consumerView(log)).containsExactly("a", "b");
        fetched(2, 3);
        assertThat(log.highWatermark()).isEqualTo(3);
        assertThat(TestLogs.consumerView(log)).containsExactly("a", "b", "c");
    }

    @Test
    void acksAllCompletesOnlyWhenEveryInSyncReplicaHasTheBatch() throws IOException {
        append("a");
        CompletableFuture<Errors> ack = replica.await(log.logEndOffset(), 2);
        assertThat(ack).isNotDone();
        fetched(1, 1);
        assertThat(ack).as("follower 2 is in sync and has not fetched it").isNotDone();
        fetched(2, 1);
        assertThat(ack).isCompletedWithValue(Errors.NONE);
        assertThat(replica.waiting()).isZero();
    }

    @Test
    void aWaitForCommittedRecordsCompletesAtOnce() throws IOException {
        append("a");
        fetched(1, 1);
        fetched(2, 1);
        assertThat(replica.await(1, 3)).isCompletedWithValue(Errors.NONE);
    }

    @Test
    void laggingFollowerLeavesTheInSyncSetAndAWaitingProduceGetsNotEnoughReplicasAfterAppend() throws IOException {
        append("a");
        fetched(1, 1);
        CompletableFuture<Errors> ack = replica.await(1, 3);
        assertThat(replica.laggingRemoved()).as("nobody lags yet").isNull();

        now.addAndGet(LAG_MS + 1);
        fetched(1, 1);
        List<Integer> shrunk = replica.laggingRemoved();
        assertThat(shrunk).as("follower 2 never fetched within replica.lag.time.max.ms").containsExactly(0, 1);
        assertThat(ack).as("the shrink is not committed yet").isNotDone();

        replica.isrCommitted(1, List.of(0, 1, 2), shrunk, done);
        runCompletions();
        assertThat(replica.isr()).containsExactly(0, 1);
        assertThat(log.highWatermark()).isEqualTo(1);
        assertThat(ack).as("replicated to the in-sync set, but it is below min.insync.replicas=3 now")
                .isCompletedWithValue(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(replica.inSyncCount()).isEqualTo(2);
        assertThat(replica.underReplicated()).isTrue();
        assertThat(replica.shrinks()).isEqualTo(1);
    }

    @Test
    void followerOutOfTheInSyncSetComesBackWhenItCatchesUp() throws IOException {
        replica.apply(new PartitionReplica.Assignment(0, 1, List.of(0, 1, 2), List.of(0, 1)), done);
        append("a", "b");
        fetched(1, 2);
        assertThat(log.highWatermark()).isEqualTo(2);

        assertThat(fetched(2, 1)).as("below the high watermark: not caught up").isNull();
        List<Integer> expanded = fetched(2, 2);
        assertThat(expanded).containsExactly(0, 1, 2);
        assertThat(fetched(2, 2)).as("one write at a time").isNull();
        replica.isrCommitted(1, List.of(0, 1), expanded, done);
        assertThat(replica.isr()).containsExactly(0, 1, 2);
        assertThat(replica.expands()).isEqualTo(1);
        assertThat(replica.underReplicated()).isFalse();
    }

    @Test
    void anExpansionInFlightAlreadyHoldsTheHighWatermarkBack() throws IOException {
        replica.apply(new PartitionReplica.Assignment(0, 1, List.of(0, 1, 2), List.of(0, 1)), done);
        append("a");
        fetched(1, 1);
        fetched(2, 1);
        assertThat(replica.followerFetched(2, 1, 0, done)).isNull();
        append("b");
        fetched(1, 2);
        assertThat(log.highWatermark()).as("follower 2 is being added and has only offset 0").isEqualTo(1);
    }

    @Test
    void aLeaderAloneInItsInSyncSetCommitsOnAppend() throws IOException {
        replica.apply(new PartitionReplica.Assignment(0, 1, List.of(0, 1, 2), List.of(0)), done);
        append("a");
        assertThat(log.highWatermark()).isEqualTo(1);
        assertThat(replica.await(1, 1)).isCompletedWithValue(Errors.NONE);
    }

    @Test
    void aDeposedLeaderFailsItsWaitsAndIsFencedByEpoch() throws IOException {
        append("a");
        CompletableFuture<Errors> ack = replica.await(1, 1);
        assertThat(replica.checkLeader(1)).isEqualTo(Errors.NONE);
        assertThat(replica.checkLeader(Replication.NO_EPOCH)).isEqualTo(Errors.NONE);
        assertThat(replica.checkLeader(2)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);

        PartitionReplica.Transition t = replica.apply(new PartitionReplica.Assignment(1, 2, List.of(0, 1, 2),
                List.of(1, 2)), done);
        runCompletions();
        assertThat(t.role()).isEqualTo(PartitionReplica.Role.FOLLOWER);
        assertThat(t.roleOrEpochChanged()).isTrue();
        assertThat(ack).isCompletedWithValue(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(replica.checkLeader(1)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(replica.checkLeader(2)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(replica.followerFetched(2, 1, 0, done)).isNull();
        replica.isrCommitted(1, List.of(1, 2), List.of(0, 1), done);
        assertThat(replica.isr()).as("a write confirmed for the old epoch changes nothing").containsExactly(1, 2);
    }

    @Test
    void aStaleAssignmentIsIgnored() throws IOException {
        replica.apply(new PartitionReplica.Assignment(1, 3, List.of(0, 1, 2), List.of(0, 1, 2)), done);
        PartitionReplica.Transition t = replica.apply(new PartitionReplica.Assignment(0, 2, List.of(0, 1, 2),
                List.of(0, 1, 2)), done);
        assertThat(t.roleOrEpochChanged()).isFalse();
        assertThat(replica.role()).isEqualTo(PartitionReplica.Role.FOLLOWER);
        assertThat(replica.leaderEpoch()).isEqualTo(3);
    }

    @Test
    void batchesWrittenAsLeaderCarryTheLeaderEpochAndTheEpochStartsAtTheLogEnd() throws IOException {
        append("a");
        replica.apply(new PartitionReplica.Assignment(0, 4, List.of(0, 1, 2), List.of(0, 1, 2)), done);
        append("b");
        assertThat(log.epochCache().entries()).containsExactly(java.util.Map.entry(1, 0L), java.util.Map.entry(4, 1L));
        var read = TestLogs.fetch(log, 1);
        assertThat(read.batches().iterator().next().partitionLeaderEpoch()).isEqualTo(4);
    }
}
