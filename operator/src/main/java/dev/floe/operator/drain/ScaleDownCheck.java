package dev.floe.operator.drain;

import dev.floe.crds.cluster.ClusterSpec;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicConfigCatalog;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a Cluster may shrink to {@code brokers}: every partition must still find as many distinct brokers as it
 * has replicas (its replication factor), and every topic's {@code min.insync.replicas} must stay reachable, or
 * acks=all producers would be refused for ever. Checked against the Topics themselves, internal ones included
 * ({@code __consumer_offsets}, {@code __transaction_state}), so what counts is the replication they actually have.
 */
public final class ScaleDownCheck {
    /** The Cluster-wide default of min.insync.replicas, as a broker reads it from spec.config. */
    static final String DEFAULT_MIN_INSYNC = "defaults.min-insync-replicas";

    private ScaleDownCheck() {
    }

    /** @return why the scale-down cannot be done, or empty when it can */
    public static Optional<String> refusal(List<Topic> topics, ClusterSpec spec, int brokers) {
        int clusterMinInsync = parse(spec.getConfig() == null ? null : spec.getConfig().get(DEFAULT_MIN_INSYNC), 1);
        List<Topic> sorted = topics.stream().sorted(Comparator.comparing(Topic::topicName)).toList();
        // min.insync.replicas first: it is what producers would notice. A topic whose min.insync.replicas is already
        // above its replication factor cannot take acks=all now; shrinking does not change that.
        for (Topic topic : sorted) {
            int minInsync = minInsync(topic, clusterMinInsync);
            if (minInsync > brokers && minInsync <= replicationFactor(topic)) {
                return Optional.of("topic '" + topic.topicName() + "' has min.insync.replicas=" + minInsync
                        + ", more than the " + brokers + " brokers that would remain, so acks=all producers "
                        + "would be refused; lower it or keep at least " + minInsync + " brokers");
            }
        }
        for (Topic topic : sorted) {
            int rf = replicationFactor(topic);
            if (rf > brokers) {
                return Optional.of("topic '" + topic.topicName() + "' has replication factor " + rf + ", more than the "
                        + brokers + " brokers that would remain; lower it (move its partitions to fewer replicas) "
                        + "or keep at least " + rf + " brokers");
            }
        }
        return Optional.empty();
    }

    /** The spec's, or more if a partition has more replicas (a reassignment can change the count). */
    static int replicationFactor(Topic topic) {
        int rf = topic.getSpec().getReplicationFactor();
        if (topic.getStatus() != null && topic.getStatus().getPartitions() != null) {
            for (PartitionStatus p : topic.getStatus().getPartitions()) {
                rf = Math.max(rf, p.targetReplicas().size());
            }
        }
        return rf;
    }

    static int minInsync(Topic topic, int clusterDefault) {
        Map<String, String> accepted = topic.getStatus() == null ? null : topic.getStatus().getConfig();
        Map<String, String> wanted = topic.getSpec().getConfig();
        String value = accepted != null && accepted.containsKey(TopicConfigCatalog.MIN_INSYNC_REPLICAS)
                ? accepted.get(TopicConfigCatalog.MIN_INSYNC_REPLICAS)
                : wanted == null ? null : wanted.get(TopicConfigCatalog.MIN_INSYNC_REPLICAS);
        return parse(value, clusterDefault);
    }

    private static int parse(String value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
