package dev.floe.broker.reassign;

import dev.floe.broker.reassign.throttle.ThrottleRates;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's replication throttle configs on a broker resource, the only broker settings a client may change on Floe
 * (every other one comes from the broker's environment). {@code kafka-reassign-partitions.sh --throttle} sets
 * {@code leader.replication.throttled.rate} and {@code follower.replication.throttled.rate} on each broker of a move,
 * and {@code --verify} removes them (and {@code replica.alter.log.dirs.io.max.bytes.per.second}, which Floe has no
 * use for: it has one log directory) once the move is done.
 */
public final class ThrottleConfigs {
    static final String LOG_DIRS_RATE = "replica.alter.log.dirs.io.max.bytes.per.second";
    static final Set<String> TOPIC = Set.of("leader.replication.throttled.replicas",
            "follower.replication.throttled.replicas");
    private static final byte SET = 0;
    private static final byte DELETE = 1;

    /** Why a change was refused; {@code null} error means it was applied (or, validating only, would be). */
    public record Outcome(Errors error, String message) {
        static final Outcome OK = new Outcome(Errors.NONE, null);
    }

    private ThrottleConfigs() {
    }

    /** Whether this resource only touches the throttle configs (else it is some other broker setting: refused). */
    public static boolean onlyThrottles(AlterConfigsResource resource) {
        return !resource.configs().isEmpty() && resource.configs().stream()
                .allMatch(c -> ThrottleRates.isRate(c.name()) || LOG_DIRS_RATE.equals(c.name()));
    }

    /**
     * Applies SET and DELETE of the throttle rates of broker {@code resource.resourceName()}, which must be this
     * broker (Kafka's admin client sends a broker's configs to that broker). The cluster-wide default (an empty
     * name) can only be removed: it is set for every broker in the Cluster's {@code spec.config} instead.
     */
    public static Outcome alterBroker(AlterConfigsResource resource, int localId, ThrottleRates rates,
                                      boolean validateOnly) {
        String name = resource.resourceName();
        boolean clusterDefault = name == null || name.isEmpty();
        if (!clusterDefault && !name.equals(Integer.toString(localId))) {
            return new Outcome(Errors.INVALID_REQUEST, "broker " + name + " is not this broker (" + localId
                    + "); send a broker's configs to that broker");
        }
        Map<String, Long> changes = new java.util.LinkedHashMap<>();
        for (AlterableConfig c : resource.configs()) {
            if (c.configOperation() == DELETE) {
                if (ThrottleRates.isRate(c.name())) {
                    changes.put(c.name(), null);
                }
                continue;
            }
            if (c.configOperation() != SET) {
                return new Outcome(Errors.INVALID_REQUEST, c.name() + " is a number: only SET and DELETE apply");
            }
            if (LOG_DIRS_RATE.equals(c.name())) {
                return new Outcome(Errors.INVALID_CONFIG, LOG_DIRS_RATE + " does not apply: a Floe broker has one log"
                        + " directory, so nothing moves between directories");
            }
            if (clusterDefault) {
                return new Outcome(Errors.INVALID_REQUEST, c.name() + " cannot be set as a cluster-wide default"
                        + " here: set it per broker (--entity-name <id>), or for every broker with"
                        + " replication.throttled-rate in the Cluster's spec.config");
            }
            long value;
            try {
                value = Long.parseLong(c.value() == null ? "" : c.value().trim());
            } catch (NumberFormatException e) {
                return new Outcome(Errors.INVALID_CONFIG, c.name() + " must be a number of bytes per second, not '"
                        + c.value() + "'");
            }
            if (value < 0) {
                return new Outcome(Errors.INVALID_CONFIG, c.name() + " must not be negative, got " + value);
            }
            changes.put(c.name(), value);
        }
        if (validateOnly || rates == null) {
            return rates == null && !changes.isEmpty() && changes.values().stream().anyMatch(v -> v != null)
                    ? new Outcome(Errors.INVALID_REQUEST, "this broker runs standalone: there is no replication to"
                    + " throttle") : Outcome.OK;
        }
        try {
            for (Map.Entry<String, Long> e : changes.entrySet()) {
                rates.set(e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            return new Outcome(Errors.KAFKA_STORAGE_ERROR, "could not keep the throttle on disk: " + e.getMessage());
        }
        return Outcome.OK;
    }

    /** Every operation deletes a topic throttle that the topic does not have: nothing to do. */
    public static boolean onlyClearsAbsentTopicThrottles(AlterConfigsResource resource, Map<String, String> configs) {
        return !resource.configs().isEmpty() && resource.configs().stream()
                .allMatch(c -> c.configOperation() == DELETE && TOPIC.contains(c.name()) && !configs.containsKey(c.name()));
    }
}
