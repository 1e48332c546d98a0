package dev.floe.operator.drain;

import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.operator.reassign.Reassignment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Where the replicas of leaving brokers go, as pure functions of the Topics' status. A partition whose target still
 * names a leaving broker gets a new target with each leaving broker replaced, in its place (so the replacement also
 * takes over its preferred leaderships), by a staying broker that holds no replica of the partition: first one in a
 * zone with fewer of the partition's replicas (as {@code PartitionPlacer} spreads followers), then the one with the
 * fewest replicas across the cluster, then the lowest id. The target is recorded with {@link Reassignment#start},
 * the same state a Kafka reassignment request produces, so the controller's reassignment pass carries it out.
 */
public final class DrainPlan {
    private final int staying;
    private final Map<Integer, String> zones;
    /** Replicas per staying broker across every topic, counting targets, updated as replacements are chosen. */
    private final int[] load;

    /**
     * @param staying broker ids {@code 0..staying-1} remain; every id at or above it leaves
     * @param topics  every placed Topic of the cluster, for the load
     * @param zones   broker id to zone; brokers without one are a zone of their own each
     */
    public DrainPlan(int staying, List<Topic> topics, Map<Integer, String> zones) {
        this.staying = staying;
        this.zones = zones;
        this.load = new int[staying];
        for (Topic t : topics) {
            for (PartitionStatus p : partitions(t)) {
                for (int r : p.targetReplicas()) {
                    if (r >= 0 && r < staying) {
                        load[r]++;
                    }
                }
            }
        }
    }

    public boolean leaving(int broker) {
        return broker >= staying;
    }

    /** Partitions of {@code topic} that still have a replica (target or being removed) on a leaving broker. */
    public int partitionsLeft(Topic topic) {
        return (int) partitions(topic).stream().filter(p -> p.getReplicas().stream().anyMatch(this::leaving)).count();
    }

    /**
     * Give every partition of {@code topic} whose target names a leaving broker a target without it, in place.
     *
     * @return the reassignment steps recorded (one STARTED per partition, or COMPLETED for a mere reorder)
     */
    public List<Reassignment.Step> moveOff(Topic topic, IntPredicate live) {
        List<Reassignment.Step> steps = new ArrayList<>();
        for (PartitionStatus p : partitions(topic)) {
            List<Integer> target = p.targetReplicas();
            if (target.stream().noneMatch(this::leaving)) {
                continue;
            }
            List<Integer> next = replaceLeaving(p, target);
            if (next == null) {
                continue;
            }
            Reassignment.Step step = Reassignment.start(p, next, live);
            if (step != null) {
                steps.add(step);
            }
        }
        return steps;
    }

    /**
     * A scale-up during a drain: moves that only took replicas off brokers that no longer leave are not needed any
     * more and are cancelled (back to the replicas before the move). Moves that also leave a broker still leaving go on.
     *
     * @param notLeavingAnyMore brokers the drain was emptying that now stay
     */
    public static List<Reassignment.Step> cancelUnneeded(Topic topic, Set<Integer> notLeavingAnyMore,
                                                         IntPredicate live) {
        List<Reassignment.Step> steps = new ArrayList<>();
        for (PartitionStatus p : partitions(topic)) {
            if (!p.getRemovingReplicas().isEmpty() && notLeavingAnyMore.containsAll(p.getRemovingReplicas())) {
                Reassignment.Step step = Reassignment.cancel(p, live);
                if (step != null) {
                    steps.add(step);
                }
            }
        }
        return steps;
    }

    /** @return the target with leaving brokers replaced, or null if no staying broker is free for one of them */
    private List<Integer> replaceLeaving(PartitionStatus p, List<Integer> target) {
        List<Integer> next = new ArrayList<>(target);
        for (int i = 0; i < next.size(); i++) {
            if (!leaving(next.get(i))) {
                continue;
            }
            int chosen = choose(p, next);
            if (chosen < 0) {
                return null;
            }
            if (next.get(i) < staying) {
                load[next.get(i)]--;
            }
            next.set(i, chosen);
            load[chosen]++;
        }
        return next;
    }

    /**
     * A staying broker with no replica of this partition. Brokers being removed from it by a move under way are
     * avoided too (they are on their way out of it), unless nothing else is free.
     */
    private int choose(PartitionStatus p, List<Integer> next) {
        Map<String, Integer> perZone = new HashMap<>();
        next.stream().filter(r -> !leaving(r)).forEach(r -> perZone.merge(zoneOf(r), 1, Integer::sum));
        int best = pick(next, p.getReplicas(), perZone);
        return best >= 0 ? best : pick(next, List.of(), perZone);
    }

    private int pick(List<Integer> next, List<Integer> avoid, Map<String, Integer> perZone) {
        int best = -1;
        for (int b = 0; b < staying; b++) {
            if (next.contains(b) || avoid.contains(b)) {
                continue;
            }
            if (best < 0 || better(b, best, perZone)) {
                best = b;
            }
        }
        return best;
    }

    private boolean better(int candidate, int best, Map<String, Integer> perZone) {
        int zc = perZone.getOrDefault(zoneOf(candidate), 0);
        int zb = perZone.getOrDefault(zoneOf(best), 0);
        if (zc != zb) {
            return zc < zb;
        }
        return load[candidate] < load[best];
    }

    private String zoneOf(int broker) {
        String zone = zones.get(broker);
        return zone == null || zone.isEmpty() ? "\u0000broker-" + broker : zone;
    }

    static List<PartitionStatus> partitions(Topic t) {
        return t.getStatus() == null || t.getStatus().getPartitions() == null ? List.of() : t.getStatus().getPartitions();
    }
}
