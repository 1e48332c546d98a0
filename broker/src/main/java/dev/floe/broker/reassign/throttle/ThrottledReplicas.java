package dev.floe.broker.reassign.throttle;

import dev.floe.broker.cluster.ClusterView;
import org.apache.kafka.common.TopicPartition;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Which replication traffic the throttle applies to, as this broker sees it. Two sources:
 * <ul>
 *   <li>Kafka's topic configs {@code leader.replication.throttled.replicas} and
 *       {@code follower.replication.throttled.replicas}: lists of {@code partition:broker} (or {@code *}), set by
 *       {@code kafka-reassign-partitions.sh --throttle}. A leader throttles a partition listed with its own id; a
 *       follower throttles a partition listed with its own id.</li>
 *   <li>Moves the operator runs (balancing, drains, KIP-455 targets): a replica a reassignment is adding is throttled
 *       on both sides, so that a move is throttled without anyone listing its replicas.</li>
 * </ul>
 * A leader never throttles a follower that is in sync: the throttle slows copying history, never keeping up.
 */
public final class ThrottledReplicas {
    public static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

    private final int localId;
    private final Function<String, Map<String, String>> topicConfigs;
    private final Map<TopicPartition, List<Integer>> adding = new ConcurrentHashMap<>();
    /** Parsed lists by config value: values are few and change rarely, and parsing per fetch would be waste. */
    private final Map<String, Set<Integer>> parsedForLocal = new ConcurrentHashMap<>();

    /** @param topicConfigs a topic's config overrides by name (null for an unknown topic) */
    public ThrottledReplicas(int localId, Function<String, Map<String, String>> topicConfigs) {
        this.localId = localId;
        this.topicConfigs = topicConfigs;
    }

    /** A topic's placement changed: remember which replicas its reassignments are adding. */
    public void assignmentsChanged(String topic, List<ClusterView.PartitionAssignment> partitions) {
        for (int p = 0; p < partitions.size(); p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            List<Integer> add = partitions.get(p).adding();
            if (add == null || add.isEmpty()) {
                adding.remove(tp);
            } else {
                adding.put(tp, List.copyOf(add));
            }
        }
        adding.keySet().removeIf(tp -> tp.topic().equals(topic) && tp.partition() >= partitions.size());
    }

    public void topicRemoved(String topic) {
        adding.keySet().removeIf(tp -> tp.topic().equals(topic));
    }

    /** Leader side: whether fetches of {@code tp} by follower {@code followerId} count against the leader rate. */
    public boolean leaderThrottles(TopicPartition tp, int followerId) {
        List<Integer> add = adding.get(tp);
        return add != null && add.contains(followerId) || listed(tp, LEADER_REPLICAS);
    }

    /** Follower side: whether this broker's fetches of {@code tp} count against its follower rate. */
    public boolean followerThrottles(TopicPartition tp) {
        List<Integer> add = adding.get(tp);
        return add != null && add.contains(localId) || listed(tp, FOLLOWER_REPLICAS);
    }

    private boolean listed(TopicPartition tp, String config) {
        Map<String, String> configs = topicConfigs.apply(tp.topic());
        String value = configs == null ? null : configs.get(config);
        if (value == null || value.isBlank()) {
            return false;
        }
        Set<Integer> partitions = parsedForLocal.computeIfAbsent(value, this::partitionsListedForLocal);
        return partitions == ALL || partitions.contains(tp.partition());
    }

    private static final Set<Integer> ALL = Set.of(-1);

    /** The partitions a list names with this broker's id; the catalog has checked the list's form already. */
    private Set<Integer> partitionsListedForLocal(String value) {
        if (value.trim().equals("*")) {
            return ALL;
        }
        Set<Integer> out = new HashSet<>();
        for (String item : value.split(",")) {
            String[] pb = item.trim().split(":");
            if (pb.length == 2) {
                try {
                    if (Integer.parseInt(pb[1].trim()) == localId) {
                        out.add(Integer.parseInt(pb[0].trim()));
                    }
                } catch (NumberFormatException malformed) {
                    // Refused when the config was set; an old value read from disk is ignored item by item.
                }
            }
        }
        return Set.copyOf(out);
    }
}
