package dev.floe.operator.topic;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicConfigCatalog;
import dev.floe.crds.topic.TopicStatus;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the operator refuses in a Topic, each with a reason a person can act on. A refused change leaves the topic
 * as it was; nothing is adjusted to make the spec fit.
 */
final class TopicSpecCheck {
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private TopicSpecCheck() {
    }

    record Problem(String reason, String message) {
    }

    static Optional<Problem> check(Topic topic, Cluster cluster, List<Topic> siblings) {
        String name = topic.topicName();
        if (!LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            return problem("InvalidTopicName", "'" + name + "' is not a legal Kafka topic name (letters, digits, "
                    + "'.', '_', '-', at most 249 characters)");
        }
        TopicStatus status = topic.getStatus();
        if (status != null && status.getTopicName() != null && !status.getTopicName().equals(name)) {
            return problem("TopicNameImmutable", "the Kafka topic name was '" + status.getTopicName()
                    + "' and cannot change to '" + name + "'; create a new Topic instead");
        }
        for (Topic other : siblings) {
            if (!other.getMetadata().getUid().equals(topic.getMetadata().getUid()) && other.topicName().equals(name)
                    && isOlder(other, topic)) {
                return problem("TopicNameConflict", "Topic " + other.getMetadata().getName()
                        + " already manages Kafka topic '" + name + "' in this cluster");
            }
        }
        int placed = status == null || status.getPartitions() == null ? 0 : status.getPartitions().size();
        int wanted = topic.getSpec().getPartitions();
        if (wanted < 1) {
            return problem("InvalidPartitions", "partitions must be at least 1, not " + wanted);
        }
        if (wanted < placed) {
            return problem("PartitionsCannotShrink", "the topic has " + placed + " partitions and cannot shrink to "
                    + wanted + "; Kafka partitions can only be added");
        }
        int rf = topic.getSpec().getReplicationFactor();
        int brokers = cluster.getSpec().getReplicas();
        if (rf < 1) {
            return problem("InvalidReplicationFactor", "replicationFactor must be at least 1, not " + rf);
        }
        if (rf > brokers) {
            return problem("ReplicationFactorTooLarge", "replicationFactor " + rf + " is above the " + brokers
                    + " brokers of cluster " + cluster.getMetadata().getName());
        }
        if (topic.getSpec().getConfig() != null) {
            String configProblem = TopicConfigCatalog.problem(topic.getSpec().getConfig());
            if (configProblem != null) {
                return problem("InvalidConfig", configProblem);
            }
        }
        return Optional.empty();
    }

    /** The first resource to claim a name keeps it; ties (same second) go to the lexically smaller name. */
    private static boolean isOlder(Topic a, Topic b) {
        String ta = a.getMetadata().getCreationTimestamp();
        String tb = b.getMetadata().getCreationTimestamp();
        if (a.getStatus() != null && a.getStatus().getTopicId() != null
                && (b.getStatus() == null || b.getStatus().getTopicId() == null)) {
            return true;
        }
        int byTime = ta == null || tb == null ? 0 : ta.compareTo(tb);
        return byTime != 0 ? byTime < 0 : a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0;
    }

    private static Optional<Problem> problem(String reason, String message) {
        return Optional.of(new Problem(reason, message));
    }
}
