package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.produce.PartitionWriteQueues;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.log.LogConfig;
import dev.floe.broker.topic.TopicConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker that the controller drops from a partition's replicas (a completed reassignment) stops serving it and
 * deletes its local data; one that is made a replica again starts from an empty log.
 */
class ReplicaRemovalTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private LogManager logs;
    private LogConfig config;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logs = new LogManager(dir, new SegmentReaper(scheduler, 0));
        logs.setReplicated(true);
        config = new TopicConfigs(new ReplicaManagerTest.Defaults(), false, 60000).logConfig(Map.of());
        logs.open(TP, config);
    }

    @AfterEach
    void stop() throws Exception {
        logs.close();
        scheduler.shutdownNow();
    }

    private ReplicaManager manager() {
        ReplicaManager manager = new ReplicaManager(0, logs, () -> true, (tp, leader, epoch, isr) ->
                IsrWriter.Outcome.WRITTEN, FollowerLinks.NONE, 10_000, scheduler, Runnable::run, () -> 1_000L, registry);
        manager.setLogOpener(tp -> logs.open(tp, config));
        return manager;
    }

    private static void assign(ReplicaManager manager, int leader, int epoch, List<Integer> replicas,
                               List<Integer> isr) {
        manager.assignmentsChanged(TP.topic(), List.of(new ClusterView.PartitionAssignment(leader, epoch, replicas,
                isr)));
    }

    private void write(ReplicaManager manager, String... values) throws Exception {
        PartitionAppender appender = new PartitionAppender(logs, new PartitionWriteQueues(Runnable::run),
                new TopicMetrics(registry), new CompressionMetrics(registry));
        appender.setReplication(manager);
        assertThat(appender.append(TP, TestLogs.batch(values), (short) 1, 30_000).get(10, TimeUnit.SECONDS).error())
                .isEqualTo(Errors.NONE);
    }

    @Test
    void aLeaderMovedOffThePartitionStopsServingItAndDeletesItsDirectory() throws Exception {
        ReplicaManager manager = manager();
        assign(manager, 0, 1, List.of(0, 1), List.of(0, 1));
        write(manager, "a", "b");
        assertThat(Files.exists(logs.partitionDir(TP))).isTrue();

        // The reassignment to {1, 2} completes: leadership and the replica set move in one status write.
        assign(manager, 1, 2, List.of(1, 2), List.of(1, 2));

        assertThat(manager.checkLeader(TP, -1)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(logs.log(TP)).isNull();
        assertThat(Files.exists(logs.partitionDir(TP))).isFalse();

        // Moved back: an empty log, following the leader.
        assign(manager, 1, 2, List.of(1, 0), List.of(1));
        assertThat(logs.log(TP)).isNotNull();
        assertThat(logs.log(TP).logEndOffset()).isZero();
        assertThat(manager.replica(TP).role()).isEqualTo(PartitionReplica.Role.FOLLOWER);
    }

    @Test
    void anAcksAllProduceWaitingOnARemovedLeaderIsToldItIsNoLongerTheLeader() throws Exception {
        ReplicaManager manager = manager();
        assign(manager, 0, 1, List.of(0, 1), List.of(0, 1));
        PartitionAppender appender = new PartitionAppender(logs, new PartitionWriteQueues(Runnable::run),
                new TopicMetrics(registry), new CompressionMetrics(registry));
        appender.setReplication(manager);
        var waiting = appender.append(TP, TestLogs.batch("a"), (short) -1, 60_000);
        assertThat(waiting).as("parked until follower 1 has the batch").isNotDone();

        assign(manager, 1, 2, List.of(1, 2), List.of(1, 2));

        assertThat(waiting.get(10, TimeUnit.SECONDS).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void aBrokerThatComesBackHoldingDataOfAPartitionItNoLongerReplicatesDeletesIt() throws Exception {
        ReplicaManager before = manager();
        assign(before, 0, 1, List.of(0, 1), List.of(0, 1));
        write(before, "a");

        // Restarted after the move completed without it.
        ReplicaManager after = manager();
        assign(after, 1, 2, List.of(1, 2), List.of(1, 2));

        assertThat(Files.exists(logs.partitionDir(TP))).isFalse();
    }

    @Test
    void aPartitionWithoutAPlacementKeepsItsData() throws Exception {
        ReplicaManager manager = manager();
        assign(manager, 0, 1, List.of(0, 1), List.of(0, 1));
        write(manager, "a");

        assign(manager, -1, 2, List.of(), List.of());

        assertThat(logs.log(TP).logEndOffset()).isEqualTo(1);
    }
}
