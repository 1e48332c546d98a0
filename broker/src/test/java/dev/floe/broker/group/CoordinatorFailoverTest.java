package dev.floe.broker.group;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadBound;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.produce.PartitionWriteQueues;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.replication.FollowerLinks;
import dev.floe.broker.replication.IsrWriter;
import dev.floe.broker.replication.ReplicaManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group coordinator failover on one broker, with real logs: while it follows an offsets partition, the commits
 * the leader made arrive only as replicated records; when it becomes that partition's leader it must read them
 * back before it answers for the partition's groups. Before the reload existed, the new coordinator answered with
 * the (empty) offsets it had loaded at start, and a consumer went back to its reset position.
 */
class CoordinatorFailoverTest {
    private static final TopicPartition OFFSETS = new TopicPartition(OffsetStore.TOPIC, 0);
    private static final TopicPartition ORDERS = new TopicPartition("orders", 0);
    private static final LogConfig CONFIG = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 1 << 20, 256, 1 << 16,
            false, -1, -1, false);

    @TempDir
    Path oldLeaderDir;
    @TempDir
    Path newLeaderDir;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LogManager oldLeaderLogs;
    private LogManager newLeaderLogs;

    @AfterEach
    void stop() throws Exception {
        oldLeaderLogs.close();
        newLeaderLogs.close();
        scheduler.shutdownNow();
    }

    @Test
    void aNewCoordinatorServesTheOffsetsItsPredecessorCommitted() throws Exception {
        // Broker 0 coordinates group "billing" and commits offset 42 of orders-0.
        oldLeaderLogs = new LogManager(oldLeaderDir, new SegmentReaper(scheduler, 0));
        oldLeaderLogs.open(OFFSETS, CONFIG);
        OffsetStore oldStore = new OffsetStore(appender(oldLeaderLogs), 1);
        assertThat(oldStore.commit("billing", Map.of(ORDERS, new CommittedOffset(42, -1, "", 0L))).get())
                .isEqualTo(Errors.NONE);

        // Broker 1 follows the offsets partition: it started with nothing and copies what broker 0 wrote.
        newLeaderLogs = new LogManager(newLeaderDir, new SegmentReaper(scheduler, 0));
        newLeaderLogs.setReplicated(true);
        newLeaderLogs.open(OFFSETS, CONFIG);
        ReplicaManager replicas = new ReplicaManager(1, newLeaderLogs, () -> true, (tp, leader, epoch, isr) ->
                IsrWriter.Outcome.WRITTEN, FollowerLinks.NONE, 30_000, scheduler, Runnable::run,
                System::currentTimeMillis, registry);
        assign(replicas, 0, 1, List.of(0, 1));
        OffsetStore store = new OffsetStore(appender(newLeaderLogs), 1);
        store.load(newLeaderLogs);
        GroupCoordinator coordinator = new GroupCoordinator(store, newLeaderLogs, scheduler, 0, registry);
        coordinator.setOffsetsLeadership(p -> replicas.checkLeader(OFFSETS, -1) == Errors.NONE);
        replicas.addLeadershipListener((tp, leader, epoch) ->
                coordinator.offsetsLeadershipChanged(tp.partition(), leader, newLeaderLogs, Runnable::run));

        PartitionLog leaderLog = oldLeaderLogs.log(OFFSETS);
        MemoryRecords copied = MemoryRecords.readableRecords(leaderLog.read(0, 1 << 20, true, ReadBound.LOG_END)
                .slice().readAll());
        newLeaderLogs.log(OFFSETS).appendAsFollower(copied);
        assertThat(coordinator.coordinates("billing")).as("a follower does not coordinate").isFalse();

        // Broker 0 dies; the controller makes broker 1 the leader in epoch 2.
        assign(replicas, 1, 2, List.of(1));

        assertThat(coordinator.coordinates("billing")).isTrue();
        assertThat(coordinator.offsets().committed("billing")).containsEntry(ORDERS,
                new CommittedOffset(42, -1, "", 0L));
    }

    private static void assign(ReplicaManager replicas, int leader, int epoch, List<Integer> isr) {
        replicas.assignmentsChanged(OFFSETS.topic(), List.of(new ClusterView.PartitionAssignment(leader, epoch,
                List.of(0, 1), isr)));
    }

    private PartitionAppender appender(LogManager logs) {
        return new PartitionAppender(logs, new PartitionWriteQueues(Runnable::run), new TopicMetrics(registry),
                new CompressionMetrics(registry));
    }
}
