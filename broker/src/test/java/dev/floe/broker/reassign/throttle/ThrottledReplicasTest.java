package dev.floe.broker.reassign.throttle;

import dev.floe.broker.cluster.ClusterView.PartitionAssignment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottledReplicasTest {
    private final Map<String, Map<String, String>> configs = new HashMap<>();
    /** This broker is 1. */
    private final ThrottledReplicas throttled = new ThrottledReplicas(1, configs::get);

    @Test
    void aReplicaBeingAddedIsThrottledOnBothSidesUntilTheMoveEnds() {
        TopicPartition p0 = new TopicPartition("orders", 0);
        TopicPartition p1 = new TopicPartition("orders", 1);
        // Partition 0 moves from [1, 2] to [2, 3]; broker 1 leads and 3 is being added. Partition 1 is not moving.
        throttled.assignmentsChanged("orders", List.of(
                new PartitionAssignment(1, 4, List.of(2, 3, 1), List.of(1, 2), List.of(3)),
                new PartitionAssignment(1, 2, List.of(1, 2), List.of(1, 2))));
        assertThat(throttled.leaderThrottles(p0, 3)).isTrue();
        assertThat(throttled.leaderThrottles(p0, 2)).as("an existing replica").isFalse();
        assertThat(throttled.leaderThrottles(p1, 3)).isFalse();
        assertThat(throttled.followerThrottles(p0)).as("broker 1 is not the one being added").isFalse();

        throttled.assignmentsChanged("orders", List.of(
                new PartitionAssignment(2, 5, List.of(2, 3), List.of(2, 3)),
                new PartitionAssignment(1, 2, List.of(1, 2), List.of(1, 2))));
        assertThat(throttled.leaderThrottles(p0, 3)).isFalse();
    }

    @Test
    void theFollowerBeingAddedThrottlesItsOwnFetches() {
        throttled.assignmentsChanged("orders", List.of(
                new PartitionAssignment(2, 4, List.of(2, 1), List.of(2), List.of(1))));
        assertThat(throttled.followerThrottles(new TopicPartition("orders", 0))).isTrue();
        throttled.topicRemoved("orders");
        assertThat(throttled.followerThrottles(new TopicPartition("orders", 0))).isFalse();
    }

    @Test
    void kafkasThrottledReplicaListsNameTheirBrokers() {
        // As kafka-reassign-partitions.sh --throttle writes them: leader side lists the current replicas, follower
        // side the ones being added.
        configs.put("orders", Map.of(ThrottledReplicas.LEADER_REPLICAS, "0:1,0:2,1:2",
                ThrottledReplicas.FOLLOWER_REPLICAS, "1:1"));
        assertThat(throttled.leaderThrottles(new TopicPartition("orders", 0), 7)).isTrue();
        assertThat(throttled.leaderThrottles(new TopicPartition("orders", 1), 7)).as("1:2 names broker 2").isFalse();
        assertThat(throttled.followerThrottles(new TopicPartition("orders", 1))).isTrue();
        assertThat(throttled.followerThrottles(new TopicPartition("orders", 0))).isFalse();
        assertThat(throttled.leaderThrottles(new TopicPartition("other", 0), 7)).isFalse();
    }

    @Test
    void theWildcardThrottlesEveryPartition() {
        configs.put("orders", Map.of(ThrottledReplicas.LEADER_REPLICAS, "*"));
        assertThat(throttled.leaderThrottles(new TopicPartition("orders", 41), 3)).isTrue();
        assertThat(throttled.followerThrottles(new TopicPartition("orders", 41))).isFalse();
    }
}
