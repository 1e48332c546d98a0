package dev.floe.broker.reassign;

import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Partition reassignments as the controller runs them (Kafka's KIP-455). A broker does not move replicas: in cluster
 * mode it checks the request and hands the targets to the operator; standalone there is no other broker to move to.
 * Blocking: called on the control executor, never on an event loop.
 */
public interface Reassignments {

    /** The outcome for one partition: {@link Errors#NONE} once the target (or cancel) is recorded, or why not. */
    record Outcome(Errors error, String message) {
        public static final Outcome DONE = new Outcome(Errors.NONE, null);
    }

    /** A reassignment under way: replicas = target followed by the replicas being removed. */
    record Ongoing(int partition, List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
    }

    /**
     * @param targets per partition the target replicas (first = preferred leader), or null to cancel
     * @param allowReplicationFactorChange false refuses a target whose size differs from the current replica count
     */
    Map<Integer, Outcome> alter(String topic, Map<Integer, List<Integer>> targets, boolean allowReplicationFactorChange);

    /** Reassignments under way, per topic; {@code topics} null means all, else only those (partitions null: all). */
    Map<String, List<Ongoing>> list(Map<String, List<Integer>> topics);

    /** Standalone: one broker holds every partition's only replica; nothing can move. */
    static Reassignments standalone(int localId, java.util.function.ToIntFunction<String> partitionCount) {
        return new Reassignments() {
            @Override
            public Map<Integer, Outcome> alter(String topic, Map<Integer, List<Integer>> targets, boolean allowRf) {
                int count = partitionCount.applyAsInt(topic);
                Map<Integer, Outcome> out = new TreeMap<>();
                targets.forEach((p, target) -> {
                    if (count < 0 || p < 0 || p >= count) {
                        out.put(p, new Outcome(Errors.UNKNOWN_TOPIC_OR_PARTITION, "no partition " + topic + "-" + p));
                    } else if (target == null) {
                        out.put(p, new Outcome(Errors.NO_REASSIGNMENT_IN_PROGRESS, "no reassignment of " + topic
                                + "-" + p + " is in progress"));
                    } else if (target.equals(List.of(localId))) {
                        out.put(p, Outcome.DONE);
                    } else {
                        out.put(p, new Outcome(Errors.INVALID_REPLICA_ASSIGNMENT, "this broker runs standalone: "
                                + "broker " + localId + " is the only one, so replicas " + target + " cannot be placed; "
                                + "run Floe in cluster mode to move partitions"));
                    }
                });
                return out;
            }

            @Override
            public Map<String, List<Ongoing>> list(Map<String, List<Integer>> topics) {
                return Map.of();
            }
        };
    }
}
