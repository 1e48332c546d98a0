package dev.floe.operator.topic;

import dev.floe.crds.topic.PartitionStatus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Places new partitions: {@code replicationFactor} replicas on distinct brokers, the first (the preferred leader) on
 * the broker that leads the fewest partitions in the whole cluster, so leadership (and so produce load) spreads
 * evenly across topics, not just within one. Followers go to other zones first (when brokers carry a zone), then to
 * the brokers holding the fewest replicas. Existing partitions never move here: moving data is a separate, deliberate
 * operation.
 */
public final class PartitionPlacer {
    private PartitionPlacer() {
    }

    /** What the cluster already carries, from its other topics. */
    public record Load(Map<Integer, Integer> leaders, Map<Integer, Integer> replicas) {
        public static Load none() {
            return new Load(Map.of(), Map.of());
        }
    }

    /**
     * @param existing          placement already recorded, kept as is
     * @param partitions        the partition count wanted
     * @param brokers           broker ids 0..brokers-1
     * @param replicationFactor replicas per new partition, at most {@code brokers}
     * @param elsewhere         leaders and replicas each broker holds for the cluster's other topics
     * @param zones             broker id to its zone; brokers without one count as one zone of their own each
     */
    public static List<PartitionStatus> place(List<PartitionStatus> existing, int partitions, int brokers,
                                              int replicationFactor, Load elsewhere, Map<Integer, String> zones) {
        if (replicationFactor > brokers) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " above " + brokers
                    + " brokers");
        }
        int[] leaders = new int[brokers];
        int[] replicas = new int[brokers];
        for (int b = 0; b < brokers; b++) {
            leaders[b] = elsewhere.leaders().getOrDefault(b, 0);
            replicas[b] = elsewhere.replicas().getOrDefault(b, 0);
        }
        List<PartitionStatus> placed = new ArrayList<>();
        for (PartitionStatus p : existing) {
            placed.add(p);
            // The preferred leader counts as the leader: that is where leadership settles.
            int preferred = p.getReplicas().isEmpty() ? p.getLeader() : p.getReplicas().get(0);
            if (preferred >= 0 && preferred < brokers) {
                leaders[preferred]++;
            }
            for (int r : p.getReplicas()) {
                if (r >= 0 && r < brokers) {
                    replicas[r]++;
                }
            }
        }
        for (int p = existing.size(); p < partitions; p++) {
            List<Integer> chosen = new ArrayList<>(replicationFactor);
            int leader = 0;
            for (int b = 1; b < brokers; b++) {
                if (leaders[b] < leaders[leader] || (leaders[b] == leaders[leader] && replicas[b] < replicas[leader])) {
                    leader = b;
                }
            }
            chosen.add(leader);
            Map<String, Integer> perZone = new HashMap<>();
            perZone.merge(zoneOf(leader, zones), 1, Integer::sum);
            while (chosen.size() < replicationFactor) {
                int best = -1;
                // Walk from the leader onwards so that ties rotate with the leader instead of piling on broker 0.
                for (int step = 1; step < brokers; step++) {
                    int b = (leader + step) % brokers;
                    if (chosen.contains(b)) {
                        continue;
                    }
                    if (best < 0 || better(b, best, perZone, zones, replicas)) {
                        best = b;
                    }
                }
                chosen.add(best);
                perZone.merge(zoneOf(best, zones), 1, Integer::sum);
            }
            placed.add(new PartitionStatus(p, chosen, leader, 0, chosen));
            leaders[leader]++;
            for (int r : chosen) {
                replicas[r]++;
            }
        }
        return placed;
    }

    /** A zone this partition has fewer replicas in wins; then the broker with fewer replicas overall. */
    private static boolean better(int candidate, int best, Map<String, Integer> perZone, Map<Integer, String> zones,
                                  int[] replicas) {
        int zoneCandidate = perZone.getOrDefault(zoneOf(candidate, zones), 0);
        int zoneBest = perZone.getOrDefault(zoneOf(best, zones), 0);
        if (zoneCandidate != zoneBest) {
            return zoneCandidate < zoneBest;
        }
        return replicas[candidate] < replicas[best];
    }

    private static String zoneOf(int broker, Map<Integer, String> zones) {
        String zone = zones.get(broker);
        return zone == null || zone.isEmpty() ? "\u0000broker-" + broker : zone;
    }
}
