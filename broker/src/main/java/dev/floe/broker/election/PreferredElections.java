package dev.floe.broker.election;

import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Map;

/**
 * Preferred leader elections, as the controller makes them. A broker does not choose leaders: in cluster mode it asks
 * the operator and waits for its answer; standalone, the one broker already leads everything.
 */
public interface PreferredElections {

    /** The outcome for one partition: {@link Errors#NONE}, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE... */
    record Outcome(Errors error, String message) {
        public static final Outcome DONE = new Outcome(Errors.NONE, null);
    }

    /**
     * Blocking: called on the control executor, never on an event loop.
     *
     * @param partitions the partitions asked for; every partition of the topic when null
     * @return an outcome per partition asked for (or per partition of the topic)
     */
    Map<Integer, Outcome> electPreferred(String topic, List<Integer> partitions);

    /** Standalone: one broker, every partition's only replica, already its leader. */
    static PreferredElections standalone(java.util.function.ToIntFunction<String> partitionCount) {
        return (topic, partitions) -> {
            int count = partitionCount.applyAsInt(topic);
            Map<Integer, Outcome> out = new java.util.TreeMap<>();
            for (int p : partitions == null ? java.util.stream.IntStream.range(0, Math.max(0, count)).boxed().toList()
                    : partitions) {
                out.put(p, count < 0 || p < 0 || p >= count
                        ? new Outcome(Errors.UNKNOWN_TOPIC_OR_PARTITION, "no partition " + topic + "-" + p)
                        : new Outcome(Errors.ELECTION_NOT_NEEDED, "the preferred replica already leads"));
            }
            return out;
        };
    }
}
