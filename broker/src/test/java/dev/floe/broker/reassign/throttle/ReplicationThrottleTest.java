package dev.floe.broker.reassign.throttle;

import dev.floe.broker.cluster.ClusterView.PartitionAssignment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicationThrottleTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private final AtomicLong now = new AtomicLong();
    private final Set<Integer> inSync = new HashSet<>(Set.of(1, 2));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private ReplicationThrottle throttle(long rate) throws Exception {
        ThrottledReplicas replicas = new ThrottledReplicas(1, t -> Map.of());
        replicas.assignmentsChanged("orders", List.of(
                new PartitionAssignment(1, 3, List.of(2, 3, 1), List.of(1, 2), List.of(3))));
        return new ReplicationThrottle(new ThrottleRates(rate, null, now::get), replicas,
                (tp, follower) -> inSync.contains(follower), registry);
    }

    @Test
    void aLeaderHoldsBackTheAddedReplicaOnceItsBudgetIsSpentAndNeverAnInSyncOne() throws Exception {
        ReplicationThrottle throttle = throttle(1_000_000);
        assertThat(throttle.leaderAllowance(TP, 3)).isEqualTo(1_000_000);
        throttle.leaderSent(1_000_000);
        assertThat(throttle.leaderAllowance(TP, 3)).isZero();
        assertThat(throttle.leaderAllowance(TP, 2)).as("in sync").isEqualTo(Integer.MAX_VALUE);
        // Once the new replica is in sync it is no longer throttled, budget or not.
        inSync.add(3);
        assertThat(throttle.leaderAllowance(TP, 3)).isEqualTo(Integer.MAX_VALUE);

        assertThat(registry.get("floe.replication.throttled.bytes").tag("side", "leader").counter().count())
                .isEqualTo(1_000_000);
        assertThat(registry.get("floe.replication.throttled.partitions.held").tag("side", "leader").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("floe.replication.throttle.rate").tag("side", "leader").gauge().value())
                .isEqualTo(1_000_000);
    }

    @Test
    void theReplicaBeingAddedHoldsItsOwnFetchesToTheFollowerRate() throws Exception {
        // This broker (1) is the one being added to partition 0.
        ThrottledReplicas replicas = new ThrottledReplicas(1, t -> Map.of());
        replicas.assignmentsChanged("orders", List.of(
                new PartitionAssignment(2, 3, List.of(2, 1), List.of(2), List.of(1)),
                new PartitionAssignment(2, 3, List.of(2, 1), List.of(2, 1))));
        ThrottleRates rates = new ThrottleRates(0, null, now::get);
        rates.set(ThrottleRates.FOLLOWER, 300_000L);
        ReplicationThrottle throttle = new ReplicationThrottle(rates, replicas, (tp, f) -> false, registry);
        assertThat(throttle.allowance(TP)).isEqualTo(300_000);
        throttle.fetched(300_000);
        assertThat(throttle.allowance(TP)).isZero();
        assertThat(throttle.allowance(new TopicPartition("orders", 1))).as("not moving").isEqualTo(Integer.MAX_VALUE);
        assertThat(throttle.leaderAllowance(TP, 2)).as("the leader rate is not set").isEqualTo(Integer.MAX_VALUE);
        now.addAndGet(500_000_000L);
        assertThat(throttle.allowance(TP)).isEqualTo(150_000);
    }

    @Test
    void withoutARateNothingIsThrottled() throws Exception {
        ReplicationThrottle throttle = throttle(0);
        assertThat(throttle.leaderAllowance(TP, 3)).isEqualTo(Integer.MAX_VALUE);
        assertThat(ReplicationThrottle.NONE.leaderAllowance(TP, 3)).isEqualTo(Integer.MAX_VALUE);
        assertThat(ReplicationThrottle.NONE.followerAllowance(TP)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aDynamicRateOverridesTheStaticOneAndRemovingItRestoresIt() throws Exception {
        ReplicationThrottle throttle = throttle(0);
        throttle.rates().set(ThrottleRates.LEADER, 500L);
        assertThat(throttle.leaderAllowance(TP, 3)).isEqualTo(500);
        throttle.rates().set(ThrottleRates.LEADER, null);
        assertThat(throttle.leaderAllowance(TP, 3)).isEqualTo(Integer.MAX_VALUE);
    }
}
