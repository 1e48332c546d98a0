package dev.floe.operator.election;

import dev.floe.crds.topic.PartitionStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Leader election for one partition, as a pure function of its status and of which brokers are alive. The operator
 * only changes leader, leaderEpoch and, on failover, the ISR; a live leader owns its ISR.
 */
public final class Election {
    private Election() {
    }

    public enum Kind {
        /** The leader's lease expired; a live in-sync replica took over. */
        FAILOVER,
        /** No live in-sync replica: leader -1 until one returns. */
        OFFLINE,
        /** No live in-sync replica, unclean election allowed: a live out-of-sync replica took over. */
        UNCLEAN,
        /** An offline partition got a leader back from its last ISR. */
        RECOVERED,
        /** Leadership moved back to the preferred replica. */
        PREFERRED
    }

    public record Decision(Kind kind, int partition, int oldLeader, int newLeader, int epoch, List<Integer> isr) {
    }

    /**
     * What to do about a partition whose leader may be gone.
     *
     * @param live    brokers whose lease is valid now
     * @param dead    brokers whose lease ran out (with the grace added) or was released; a broker that never had a
     *                lease is neither, and its partitions are left alone until it first starts
     * @param unclean the topic's {@code unclean.leader.election.enable}
     * @return the decision, or null when the partition keeps its leader
     */
    public static Decision onLeaderLoss(PartitionStatus p, IntPredicate live, IntPredicate dead, boolean unclean) {
        int leader = p.getLeader();
        if (leader >= 0 && !dead.test(leader)) {
            return null;
        }
        List<Integer> isr = p.getIsr() == null ? List.of() : p.getIsr();
        List<Integer> liveIsr = isr.stream().filter(live::test).toList();
        // Replica order first: it puts the preferred leader first, then the placement's own order.
        for (int candidate : p.getReplicas()) {
            if (liveIsr.contains(candidate)) {
                return new Decision(leader < 0 ? Kind.RECOVERED : Kind.FAILOVER, p.getPartition(), leader, candidate,
                        p.getLeaderEpoch() + 1, liveIsr);
            }
        }
        if (unclean) {
            for (int candidate : p.getReplicas()) {
                if (live.test(candidate)) {
                    return new Decision(Kind.UNCLEAN, p.getPartition(), leader, candidate, p.getLeaderEpoch() + 1,
                            List.of(candidate));
                }
            }
        }
        if (leader < 0) {
            return null;
        }
        // The last ISR stays as it was: its members are the only replicas that can take over without losing data,
        // and the first of them to come back does.
        return new Decision(Kind.OFFLINE, p.getPartition(), leader, -1, p.getLeaderEpoch() + 1, new ArrayList<>(isr));
    }

    /**
     * Move leadership back to the preferred replica (the first in the replica list) when it is live and in sync.
     *
     * @return the decision, or null when the preferred replica already leads or cannot
     */
    public static Decision preferred(PartitionStatus p, IntPredicate live) {
        if (p.getReplicas() == null || p.getReplicas().isEmpty()) {
            return null;
        }
        int preferred = p.getReplicas().get(0);
        if (p.getLeader() == preferred || !live.test(preferred) || p.getIsr() == null
                || !p.getIsr().contains(preferred)) {
            return null;
        }
        return new Decision(Kind.PREFERRED, p.getPartition(), p.getLeader(), preferred, p.getLeaderEpoch() + 1,
                new ArrayList<>(p.getIsr()));
    }

    /** Whether the preferred replica could lead this partition now (for the rebalance delay). */
    public static boolean preferredEligible(PartitionStatus p, IntPredicate live) {
        return preferred(p, live) != null;
    }

    public static void apply(PartitionStatus p, Decision d) {
        p.setLeader(d.newLeader());
        p.setLeaderEpoch(d.epoch());
        p.setIsr(new ArrayList<>(d.isr()));
    }
}
