package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.produce.PartitionWriteQueues;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.topic.TopicConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * acks=all through the real produce path and the replica manager: refused before the append below
 * min.insync.replicas, parked until followers' fetches move the high watermark, ended by a timeout; in-sync
 * changes written through the epoch-guarded writer; a deposed leader's write refused.
 */
class ReplicaManagerTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private LogManager logs;
    private PartitionAppender appender;
    private ReplicaManager manager;
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicBoolean leaseHeld = new AtomicBoolean(true);
    private final List<String> written = new ArrayList<>();
    private IsrWriter.Outcome writerAnswer = IsrWriter.Outcome.WRITTEN;
    /** Runs inside the write, before it returns: what the informer may deliver meanwhile. */
    private Runnable duringWrite = () -> { };
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logs = new LogManager(dir, new SegmentReaper(scheduler, 0));
        logs.setReplicated(true);
        logs.open(TP, new TopicConfigs(new Defaults(), false, 60000).logConfig(Map.of("min.insync.replicas", "2")));
        appender = new PartitionAppender(logs, new PartitionWriteQueues(Runnable::run), new TopicMetrics(registry),
                new CompressionMetrics(registry));
        IsrWriter writer = (tp, leader, epoch, isr) -> {
            written.add(tp + " leader " + leader + " epoch " + epoch + " isr " + isr);
            duringWrite.run();
            return writerAnswer;
        };
        manager = new ReplicaManager(0, logs, leaseHeld::get, writer, FollowerLinks.NONE, 10_000, scheduler,
                Runnable::run, now::get, registry);
        appender.setReplication(manager);
    }

    @AfterEach
    void stop() throws Exception {
        logs.close();
        scheduler.shutdownNow();
    }

    private void assign(int leader, int epoch, List<Integer> replicas, List<Integer> isr) {
        manager.assignmentsChanged(TP.topic(), List.of(new ClusterView.PartitionAssignment(leader, epoch, replicas, isr)));
    }

    private CompletableFuture<AppendResult> produce(short acks, long timeoutMs, String... values) {
        return appender.append(TP, TestLogs.batch(values), acks, timeoutMs);
    }

    @Test
    void acksAllBelowMinInsyncIsRefusedBeforeAnythingIsWrittenWhileAcksOneIsAccepted() throws Exception {
        assign(0, 1, List.of(0, 1, 2), List.of(0));
        AppendResult refused = produce((short) -1, 30_000, "a").get(10, TimeUnit.SECONDS);
        assertThat(refused.error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(refused.message()).contains("min.isr requirement of 2");
        assertThat(logs.log(TP).logEndOffset()).isZero();
        assertThat(produce((short) 1, 30_000, "b").get(10, TimeUnit.SECONDS).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void acksAllIsAnsweredWhenTheFollowersFetchPastTheBatch() throws Exception {
        assign(0, 1, List.of(0, 1, 2), List.of(0, 1, 2));
        CompletableFuture<AppendResult> ack = produce((short) -1, 30_000, "a", "b");
        assertThat(ack).as("written to the leader only").isNotDone();
        assertThat(logs.log(TP).logEndOffset()).isEqualTo(2);

        assertThat(manager.followerFetched(TP, 1, 2, 0, 1)).isEqualTo(Errors.NONE);
        assertThat(ack).isNotDone();
        assertThat(manager.followerFetched(TP, 2, 2, 0, 1)).isEqualTo(Errors.NONE);
        AppendResult result = ack.get(10, TimeUnit.SECONDS);
        assertThat(result.error()).isEqualTo(Errors.NONE);
        assertThat(result.baseOffset()).isZero();
        assertThat(registry.get("floe.replication.high.watermark").tag("topic", "orders").gauge().value()).isEqualTo(2);
    }

    @Test
    void acksAllThatNoFollowerAnswersTimesOut() throws Exception {
        assign(0, 1, List.of(0, 1, 2), List.of(0, 1, 2));
        AppendResult result = produce((short) -1, 1, "a").get(10, TimeUnit.SECONDS);
        assertThat(result.error()).isEqualTo(Errors.REQUEST_TIMED_OUT);
    }

    @Test
    void followerFetchesAreCheckedAgainstLeadershipAndEpoch() {
        assign(0, 3, List.of(0, 1, 2), List.of(0, 1, 2));
        assertThat(manager.followerFetched(TP, 1, 0, 0, 2)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(manager.followerFetched(TP, 1, 0, 0, 4)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(manager.followerFetched(TP, 1, 0, 0, 3)).isEqualTo(Errors.NONE);
        leaseHeld.set(false);
        assertThat(manager.checkLeader(TP, 3)).as("a leader whose lease ran out stops at once")
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        leaseHeld.set(true);
        assign(1, 4, List.of(0, 1, 2), List.of(1, 2));
        assertThat(manager.checkLeader(TP, Replication.NO_EPOCH)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(manager.followerFetched(TP, 2, 0, 0, 4)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void aLaggingFollowerIsRemovedThroughTheGuardedWriterAndComesBackWhenCaughtUp() throws Exception {
        assign(0, 1, List.of(0, 1, 2), List.of(0, 1, 2));
        produce((short) 1, 30_000, "a").get(10, TimeUnit.SECONDS);
        manager.followerFetched(TP, 1, 1, 0, 1);
        now.addAndGet(10_001);
        manager.followerFetched(TP, 1, 1, 0, 1);
        manager.checkLagging();
        assertThat(written).containsExactly("orders-0 leader 0 epoch 1 isr [0, 1]");
        assertThat(manager.replica(TP).isr()).containsExactly(0, 1);
        assertThat(manager.inSyncReplicas(TP)).isEqualTo(2);
        assertThat(registry.get("floe.replication.isr.shrinks").counter().count()).isEqualTo(1);
        assertThat(registry.get("floe.replication.under.replicated").gauge().value()).isEqualTo(1);
        // What the informer then brings back is the status just written: nothing changes.
        assign(0, 1, List.of(0, 1, 2), List.of(0, 1));

        manager.followerFetched(TP, 2, 1, 0, 1);
        assertThat(written).last().isEqualTo("orders-0 leader 0 epoch 1 isr [0, 1, 2]");
        assertThat(manager.replica(TP).isr()).containsExactly(0, 1, 2);
        assertThat(registry.get("floe.replication.isr.expands").counter().count()).isEqualTo(1);
    }

    @Test
    void aShrinkIsCountedAsOneEvenWhenTheInformerBringsTheWrittenStatusBeforeTheWriteReturns() {
        assign(0, 1, List.of(0, 1, 2), List.of(0, 1, 2));
        duringWrite = () -> assign(0, 1, List.of(0, 1, 2), List.of(0));
        now.addAndGet(10_001);
        manager.checkLagging();
        assertThat(manager.replica(TP).isr()).containsExactly(0);
        assertThat(registry.get("floe.replication.isr.shrinks").counter().count()).isEqualTo(1);
        assertThat(registry.get("floe.replication.isr.expands").counter().count()).isZero();
        assertThat(manager.replica(TP).shrinks()).isEqualTo(1);
    }

    @Test
    void aRefusedWriteLeavesTheInSyncSetAsTheStatusHasIt() throws Exception {
        assign(0, 1, List.of(0, 1, 2), List.of(0, 1, 2));
        writerAnswer = IsrWriter.Outcome.FENCED;
        now.addAndGet(10_001);
        manager.checkLagging();
        assertThat(written).hasSize(1);
        assertThat(manager.replica(TP).isr()).containsExactly(0, 1, 2);
        writerAnswer = IsrWriter.Outcome.WRITTEN;
        manager.checkLagging();
        assertThat(written).as("the next check may try again").hasSize(2);
    }

    @Test
    void aSingleReplicaPartitionKeepsTheHighWatermarkAtTheLogEnd() throws Exception {
        assign(0, 0, List.of(0), List.of(0));
        PartitionLog log = logs.log(TP);
        assertThat(log.highWatermarkTracksEnd()).isTrue();
        produce((short) 1, 30_000, "a", "b").get(10, TimeUnit.SECONDS);
        assertThat(log.highWatermark()).isEqualTo(2);
    }

    static final class Defaults implements BrokerConfig.Defaults {
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
