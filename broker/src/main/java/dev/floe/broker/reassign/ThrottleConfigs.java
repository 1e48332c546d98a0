package dev.floe.broker.reassign;

import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;

import java.util.Map;
import java.util.Set;

/**
 * Kafka's replication throttle configs. Floe does not throttle reassignment traffic yet, so none is ever set; but
 * {@code kafka-reassign-partitions.sh --verify} removes them once a move is done (broker and topic level), and that
 * must succeed for the tool to report the move as finished. Removing a config that is not set is a no-op here.
 */
public final class ThrottleConfigs {
    static final Set<String> BROKER = Set.of("leader.replication.throttled.rate", "follower.replication.throttled.rate",
            "replica.alter.log.dirs.io.max.bytes.per.second");
    static final Set<String> TOPIC = Set.of("leader.replication.throttled.replicas",
            "follower.replication.throttled.replicas");
    private static final byte DELETE = 1;

    private ThrottleConfigs() {
    }

    /** Every operation deletes a broker throttle: nothing to do, since none can be set. */
    public static boolean onlyClearsBrokerThrottles(AlterConfigsResource resource) {
        return !resource.configs().isEmpty() && resource.configs().stream()
                .allMatch(c -> c.configOperation() == DELETE && BROKER.contains(c.name()));
    }

    /** Every operation deletes a topic throttle that the topic does not have: nothing to do. */
    public static boolean onlyClearsAbsentTopicThrottles(AlterConfigsResource resource, Map<String, String> configs) {
        return !resource.configs().isEmpty() && resource.configs().stream()
                .allMatch(c -> c.configOperation() == DELETE && TOPIC.contains(c.name()) && !configs.containsKey(c.name()));
    }

}
