package dev.floe.operator.topic;

import dev.floe.crds.topic.PartitionStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Places new partitions on the brokers that lead the fewest partitions in the whole cluster, so leadership (and so
 * produce load) spreads evenly across topics, not just within one. Existing partitions never move here: moving data
 * is a separate, deliberate operation.
 */
public final class PartitionPlacer {
    private PartitionPlacer() {
    }

    /**
     * @param existing        placement already recorded, kept as is
     * @param partitions      the partition count wanted
     * @param brokers         broker ids 0..brokers-1
     * @param replicationFactor replicas per new partition, at most {@code brokers}
     * @param leadersElsewhere partitions each broker leads for the cluster's other topics
     */
    public static List<PartitionStatus> place(List<PartitionStatus> existing, int partitions, int brokers,
                                              int replicationFactor, Map<Integer, Integer> leadersElsewhere) {
        Map<Integer, Integer> load = new TreeMap<>();
        for (int b = 0; b < brokers; b++) {
            load.put(b, leadersElsewhere.getOrDefault(b, 0));
        }
        List<PartitionStatus> placed = new ArrayList<>();
        for (PartitionStatus p : existing) {
            placed.add(p);
            load.merge(p.getLeader(), 1, Integer::sum);
        }
        for (int p = existing.size(); p < partitions; p++) {
            int leader = leastLoaded(load);
            List<Integer> replicas = new ArrayList<>();
            for (int i = 0; i < replicationFactor; i++) {
                replicas.add((leader + i) % brokers);
            }
            placed.add(new PartitionStatus(p, replicas, leader, 0, replicas));
            load.merge(leader, 1, Integer::sum);
        }
        return placed;
    }

    private static int leastLoaded(Map<Integer, Integer> load) {
        int best = -1;
        int bestLoad = Integer.MAX_VALUE;
        for (Map.Entry<Integer, Integer> e : load.entrySet()) {
            if (e.getValue() < bestLoad) {
                best = e.getKey();
                bestLoad = e.getValue();
            }
        }
        return best;
    }
}
