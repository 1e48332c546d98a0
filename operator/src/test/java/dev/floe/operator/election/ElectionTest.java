package dev.floe.operator.election;

import dev.floe.crds.topic.PartitionStatus;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;

class ElectionTest {
    private static IntPredicate in(Integer... ids) {
        Set<Integer> set = Set.of(ids);
        return set::contains;
    }

    @Test
    void aLiveLeaderKeepsItsPartition() {
        PartitionStatus p = new PartitionStatus(0, List.of(0, 1, 2), 0, 3, List.of(0, 1, 2));
        assertThat(Election.onLeaderLoss(p, in(0, 1, 2), in(), false)).isNull();
        // A leader whose broker never held a lease (not started yet) is not dead: nothing moves.
        assertThat(Election.onLeaderLoss(p, in(1, 2), in(), false)).isNull();
    }

    @Test
    void failoverPicksTheFirstLiveIsrMemberInReplicaOrderAndBumpsTheEpoch() {
        // Replica 1 is live but out of sync; 2 is the first live ISR member in replica order.
        PartitionStatus p = new PartitionStatus(4, List.of(0, 1, 2, 3), 0, 7, List.of(3, 0, 2));
        Election.Decision d = Election.onLeaderLoss(p, in(1, 2, 3), in(0), false);
        assertThat(d.kind()).isEqualTo(Election.Kind.FAILOVER);
        assertThat(d.partition()).isEqualTo(4);
        assertThat(d.oldLeader()).isZero();
        assertThat(d.newLeader()).isEqualTo(2);
        assertThat(d.epoch()).isEqualTo(8);
        assertThat(d.isr()).containsExactly(3, 2);
        Election.apply(p, d);
        assertThat(p.getLeader()).isEqualTo(2);
        assertThat(p.getLeaderEpoch()).isEqualTo(8);
        assertThat(p.getIsr()).containsExactly(3, 2);
    }

    @Test
    void withoutALiveIsrMemberThePartitionGoesOfflineKeepingItsLastIsr() {
        PartitionStatus p = new PartitionStatus(0, List.of(0, 1, 2), 0, 2, List.of(0, 1));
        Election.Decision d = Election.onLeaderLoss(p, in(2), in(0, 1), false);
        assertThat(d.kind()).isEqualTo(Election.Kind.OFFLINE);
        assertThat(d.newLeader()).isEqualTo(-1);
        assertThat(d.epoch()).isEqualTo(3);
        assertThat(d.isr()).containsExactly(0, 1);
        Election.apply(p, d);
        // Still offline on the next look: no new decision, no endless epoch bumps.
        assertThat(Election.onLeaderLoss(p, in(2), in(0, 1), false)).isNull();
        // The first of its last ISR to come back leads again.
        Election.Decision back = Election.onLeaderLoss(p, in(1, 2), in(0), false);
        assertThat(back.kind()).isEqualTo(Election.Kind.RECOVERED);
        assertThat(back.newLeader()).isEqualTo(1);
        assertThat(back.epoch()).isEqualTo(4);
        assertThat(back.isr()).containsExactly(1);
    }

    @Test
    void uncleanElectionOnlyWhenTheTopicAllowsIt() {
        PartitionStatus p = new PartitionStatus(0, List.of(0, 1, 2), 0, 5, List.of(0));
        assertThat(Election.onLeaderLoss(p, in(1, 2), in(0), false).kind()).isEqualTo(Election.Kind.OFFLINE);
        Election.Decision d = Election.onLeaderLoss(p, in(1, 2), in(0), true);
        assertThat(d.kind()).isEqualTo(Election.Kind.UNCLEAN);
        assertThat(d.newLeader()).isEqualTo(1);
        assertThat(d.epoch()).isEqualTo(6);
        assertThat(d.isr()).containsExactly(1);
        // With an in-sync replica live, the flag changes nothing: clean election first.
        PartitionStatus clean = new PartitionStatus(0, List.of(0, 1, 2), 0, 5, List.of(0, 2));
        assertThat(Election.onLeaderLoss(clean, in(1, 2), in(0), true).newLeader()).isEqualTo(2);
        assertThat(Election.onLeaderLoss(clean, in(1, 2), in(0), true).kind()).isEqualTo(Election.Kind.FAILOVER);
    }

    @Test
    void thePreferredReplicaLeadsAgainOnlyWhenLiveAndInSync() {
        PartitionStatus p = new PartitionStatus(0, List.of(0, 1, 2), 1, 4, List.of(1, 2));
        assertThat(Election.preferred(p, in(0, 1, 2))).as("back but not in sync yet").isNull();
        p.setIsr(List.of(1, 2, 0));
        assertThat(Election.preferred(p, in(1, 2))).as("in sync but its lease is gone").isNull();
        Election.Decision d = Election.preferred(p, in(0, 1, 2));
        assertThat(d.kind()).isEqualTo(Election.Kind.PREFERRED);
        assertThat(d.newLeader()).isZero();
        assertThat(d.epoch()).isEqualTo(5);
        assertThat(d.isr()).containsExactly(1, 2, 0);
        Election.apply(p, d);
        assertThat(Election.preferred(p, in(0, 1, 2))).as("already preferred").isNull();
    }
}
