package dev.floe.broker.replication;

import dev.floe.broker.log.LeaderEpochCache;
import dev.floe.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A leader change with a divergent tail, on two real logs: the old leader wrote records in its epoch that never
 * reached the new leader; after the new leader's epoch began, the old one, now a follower, asks where its epoch
 * ended on the new leader, cuts its tail there, and then copies the new leader's batches as they are.
 */
class DivergenceTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path oldDir;
    @TempDir
    Path newDir;
    private ScheduledExecutorService scheduler;
    private PartitionLog oldLeader;
    private PartitionLog newLeader;

    @BeforeEach
    void open() throws IOException {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        oldLeader = TestLogs.replicated(TP, oldDir, scheduler, 0);
        newLeader = TestLogs.replicated(TP, newDir, scheduler, 0);
    }

    @AfterEach
    void close() throws IOException {
        oldLeader.close();
        newLeader.close();
        scheduler.shutdownNow();
    }

    @Test
    void theOldLeaderCutsWhatTheNewLeaderNeverHadAndThenCopiesItsLog() throws IOException {
        // Epoch 1: broker A leads; "a", "b" reach follower B, "x", "y" do not.
        oldLeader.startLeaderEpoch(1);
        oldLeader.appendAsLeader(TestLogs.batch("a", "b"));
        newLeader.appendAsFollower(TestLogs.fetch(oldLeader, 0));
        oldLeader.appendAsLeader(TestLogs.batch("x"));
        oldLeader.appendAsLeader(TestLogs.batch("y"));
        // Epoch 2: B leads and writes "c".
        newLeader.startLeaderEpoch(2);
        newLeader.appendAsLeader(TestLogs.batch("c"));

        int asked = oldLeader.epochCache().latestEpoch();
        assertThat(asked).isEqualTo(1);
        LeaderEpochCache.EpochEnd answer = newLeader.endOffsetForEpoch(asked);
        assertThat(answer).as("on the new leader epoch 1 ended where epoch 2 began")
                .isEqualTo(new LeaderEpochCache.EpochEnd(1, 2));
        long cut = Divergence.truncationOffset(oldLeader, asked, answer.epoch(), answer.endOffset());
        assertThat(cut).isEqualTo(2);

        assertThat(oldLeader.truncateTo(cut)).isTrue();
        assertThat(TestLogs.wholeLog(oldLeader)).containsExactly("a", "b");
        assertThat(oldLeader.epochCache().latestEpoch()).isEqualTo(1);
        oldLeader.appendAsFollower(TestLogs.fetch(newLeader, oldLeader.logEndOffset()));
        assertThat(TestLogs.wholeLog(oldLeader)).containsExactly("a", "b", "c");
        assertThat(oldLeader.logEndOffset()).isEqualTo(3);
        assertThat(oldLeader.epochCache().entries()).isEqualTo(newLeader.epochCache().entries());
    }

    @Test
    void anEpochTheNewLeaderNeverHadEndsWhereTheirCommonEpochEnded() throws IOException {
        // Epoch 1 on both; epoch 2 only on A (two records nobody else got); epoch 3 on B.
        oldLeader.startLeaderEpoch(1);
        oldLeader.appendAsLeader(TestLogs.batch("a"));
        newLeader.appendAsFollower(TestLogs.fetch(oldLeader, 0));
        oldLeader.startLeaderEpoch(2);
        oldLeader.appendAsLeader(TestLogs.batch("x", "y"));
        newLeader.startLeaderEpoch(3);
        newLeader.appendAsLeader(TestLogs.batch("c"));
        newLeader.appendAsLeader(TestLogs.batch("d"));

        LeaderEpochCache.EpochEnd answer = newLeader.endOffsetForEpoch(2);
        assertThat(answer).as("the new leader never had epoch 2: it answers for epoch 1")
                .isEqualTo(new LeaderEpochCache.EpochEnd(1, 1));
        long cut = Divergence.truncationOffset(oldLeader, 2, answer.epoch(), answer.endOffset());
        assertThat(cut).isEqualTo(1);
        oldLeader.truncateTo(cut);
        oldLeader.appendAsFollower(TestLogs.fetch(newLeader, 1));
        assertThat(TestLogs.wholeLog(oldLeader)).containsExactly("a", "c", "d");
    }

    @Test
    void aFollowerThatIsOnlyBehindKeepsEverything() throws IOException {
        oldLeader.startLeaderEpoch(1);
        oldLeader.appendAsLeader(TestLogs.batch("a"));
        newLeader.appendAsFollower(TestLogs.fetch(oldLeader, 0));
        oldLeader.appendAsLeader(TestLogs.batch("b"));
        // B is only behind: A stays leader in epoch 1 and B asks.
        LeaderEpochCache.EpochEnd answer = oldLeader.endOffsetForEpoch(newLeader.epochCache().latestEpoch());
        assertThat(Divergence.truncationOffset(newLeader, 1, answer.epoch(), answer.endOffset())).isEqualTo(1);
        assertThat(newLeader.truncateTo(1)).isFalse();
    }

    @Test
    void aTruncatedFollowerRestartsAtItsCheckpointedHighWatermark() throws IOException {
        oldLeader.startLeaderEpoch(1);
        oldLeader.appendAsLeader(TestLogs.batch("a"));
        oldLeader.appendAsLeader(TestLogs.batch("b"));
        oldLeader.advanceHighWatermark(1);
        assertThat(TestLogs.consumerView(oldLeader)).containsExactly("a");
        oldLeader.close();
        oldLeader = TestLogs.replicated(TP, oldDir, scheduler, 1);
        assertThat(oldLeader.highWatermark()).isEqualTo(1);
        assertThat(TestLogs.consumerView(oldLeader)).as("uncommitted 'b' stays hidden after a restart")
                .containsExactly("a");
        assertThat(oldLeader.epochCache().latestEpoch()).isEqualTo(1);
    }
}
