package dev.floe.operator.reassign;

import dev.floe.crds.topic.PartitionStatus;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Partition reassignment (Kafka's KIP-455) for one partition, as pure functions of its status: the state lives in
 * the status alone ({@code replicas} = target followed by the replicas being removed, {@code addingReplicas},
 * {@code removingReplicas}), so an operator restart resumes where the last write left off.
 */
public final class Reassignment {
    private Reassignment() {
    }

    public enum Kind {
        /** A target was recorded: replicas is the union, the adding replicas start to follow. */
        STARTED,
        /** A reassignment was cancelled: the replicas it started from are back. */
        CANCELLED,
        /** The leader was being removed: leadership went to an in-sync replica of the target. */
        LEADER_MOVED,
        /** Every target replica is in sync: replicas is the target, the removed replicas drop their data. */
        COMPLETED
    }

    public record Step(Kind kind, int partition, List<Integer> replicas, int leader, int leaderEpoch,
                       List<Integer> isr) {
        static Step of(Kind kind, PartitionStatus p) {
            return new Step(kind, p.getPartition(), List.copyOf(p.getReplicas()), p.getLeader(), p.getLeaderEpoch(),
                    List.copyOf(p.getIsr()));
        }
    }

    /** The replicas before any reassignment under way: what a cancel returns to. */
    static List<Integer> original(PartitionStatus p) {
        List<Integer> original = new ArrayList<>(p.getReplicas());
        original.removeAll(p.getAddingReplicas());
        return original;
    }

    /**
     * Record {@code target} (first = preferred leader) as the partition's new replica set. A reassignment already
     * under way is replaced: it is computed from the original replicas, as Kafka does, so replicas that were being
     * added and are not in the new target are simply dropped.
     *
     * @return the step, or null when the partition already has exactly these replicas and nothing is under way
     */
    public static Step start(PartitionStatus p, List<Integer> target, IntPredicate live) {
        List<Integer> original = original(p);
        if (target.equals(original)) {
            return p.isReassigning() ? cancel(p, live) : null;
        }
        List<Integer> adding = new ArrayList<>(target);
        adding.removeAll(original);
        List<Integer> removing = new ArrayList<>(original);
        removing.removeAll(target);
        if (adding.isEmpty() && removing.isEmpty()) {
            // The same brokers in another order: only the preferred leader changes; nothing to copy or wait for.
            p.setReplicas(new ArrayList<>(target));
            p.setAddingReplicas(List.of());
            p.setRemovingReplicas(List.of());
            return Step.of(Kind.COMPLETED, p);
        }
        LinkedHashSet<Integer> union = new LinkedHashSet<>(target);
        union.addAll(removing);
        p.setReplicas(new ArrayList<>(union));
        p.setAddingReplicas(adding);
        p.setRemovingReplicas(removing);
        p.setIsr(new ArrayList<>(p.getIsr().stream().filter(union::contains).toList()));
        keepLeaderWithin(p, p.getReplicas(), live);
        return Step.of(Kind.STARTED, p);
    }

    /** Back to the replicas the reassignment started from. @return the step, or null when nothing is under way */
    public static Step cancel(PartitionStatus p, IntPredicate live) {
        if (!p.isReassigning()) {
            return null;
        }
        List<Integer> original = original(p);
        p.setReplicas(original);
        p.setAddingReplicas(List.of());
        p.setRemovingReplicas(List.of());
        p.setIsr(new ArrayList<>(p.getIsr().stream().filter(original::contains).toList()));
        keepLeaderWithin(p, original, live);
        return Step.of(Kind.CANCELLED, p);
    }

    /**
     * Finish a reassignment whose every target replica is in the ISR: move leadership first if the leader is being
     * removed (to the first target replica, in target order, that is live and in sync; epoch + 1), then replicas =
     * target, isr = isr ∩ target.
     *
     * @return the steps taken (leader moved, completed), empty when not every target replica is in sync yet, or the
     *         leader must move and no target replica is live
     */
    public static List<Step> complete(PartitionStatus p, IntPredicate live) {
        if (!p.isReassigning()) {
            return List.of();
        }
        List<Integer> target = p.targetReplicas();
        if (target.isEmpty() || !p.getIsr().containsAll(target)) {
            return List.of();
        }
        List<Step> steps = new ArrayList<>();
        if (!target.contains(p.getLeader())) {
            int leader = target.stream().filter(live::test).findFirst().orElse(-1);
            if (leader < 0) {
                return List.of();
            }
            p.setLeader(leader);
            p.setLeaderEpoch(p.getLeaderEpoch() + 1);
            steps.add(Step.of(Kind.LEADER_MOVED, p));
        }
        p.setReplicas(new ArrayList<>(target));
        p.setIsr(new ArrayList<>(p.getIsr().stream().filter(target::contains).toList()));
        p.setAddingReplicas(List.of());
        p.setRemovingReplicas(List.of());
        steps.add(Step.of(Kind.COMPLETED, p));
        return steps;
    }

    /**
     * A leader outside the replica set (a replica that was being added and led, dropped by a new target or a cancel)
     * gives way to the first live in-sync member; with none, the partition is offline until the elections bring one.
     */
    private static void keepLeaderWithin(PartitionStatus p, List<Integer> replicas, IntPredicate live) {
        if (p.getLeader() < 0 || replicas.contains(p.getLeader())) {
            return;
        }
        int leader = replicas.stream().filter(r -> p.getIsr().contains(r) && live.test(r)).findFirst().orElse(-1);
        p.setLeader(leader);
        p.setLeaderEpoch(p.getLeaderEpoch() + 1);
    }
}
