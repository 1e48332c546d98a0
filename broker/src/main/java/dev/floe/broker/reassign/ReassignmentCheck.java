package dev.floe.broker.reassign;

import dev.floe.crds.topic.PartitionStatus;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashSet;
import java.util.List;

/**
 * What a broker can refuse before asking the controller, with Kafka's error codes: the operator then only records
 * targets that can be placed.
 */
final class ReassignmentCheck {
    private ReassignmentCheck() {
    }

    /**
     * @param current the partition's status, null when the partition does not exist
     * @param target  the target replicas, null for a cancel
     * @return why the request is refused, or null when it goes to the controller
     */
    static Reassignments.Outcome refusal(String topic, int partition, PartitionStatus current, List<Integer> target,
                                         int brokers, boolean allowReplicationFactorChange) {
        if (current == null) {
            return new Reassignments.Outcome(Errors.UNKNOWN_TOPIC_OR_PARTITION, "no partition " + topic + "-"
                    + partition);
        }
        if (target == null) {
            return current.isReassigning() ? null : new Reassignments.Outcome(Errors.NO_REASSIGNMENT_IN_PROGRESS,
                    "no reassignment of " + topic + "-" + partition + " is in progress");
        }
        if (target.isEmpty()) {
            return invalid("the target replica list of " + topic + "-" + partition + " is empty");
        }
        if (new HashSet<>(target).size() != target.size()) {
            return invalid("the target replicas " + target + " of " + topic + "-" + partition + " name a broker twice");
        }
        for (int b : target) {
            if (b < 0 || b >= brokers) {
                return invalid("broker " + b + " in the target replicas " + target + " of " + topic + "-" + partition
                        + " is not one of this cluster's brokers 0.." + (brokers - 1));
            }
        }
        int originalSize = current.getReplicas().size() - current.getAddingReplicas().size();
        if (!allowReplicationFactorChange && target.size() != originalSize) {
            return new Reassignments.Outcome(Errors.INVALID_REPLICATION_FACTOR, "the target replicas " + target
                    + " would change the replication factor of " + topic + "-" + partition + " from " + originalSize
                    + " and the request does not allow that");
        }
        return null;
    }

    private static Reassignments.Outcome invalid(String message) {
        return new Reassignments.Outcome(Errors.INVALID_REPLICA_ASSIGNMENT, message);
    }
}
