package dev.floe.operator.cluster;

import dev.floe.crds.cluster.ClusterSpec;
import dev.floe.crds.topic.TopicConfigCatalog;

import java.util.Optional;
import java.util.Set;

/**
 * Rules the CRD schema cannot express. A Cluster that breaks one is left as it runs and told why in its status;
 * the operator never "fixes" a spec by itself.
 */
final class ClusterSpecCheck {
    /** Broker settings the operator owns through the pod environment; overriding them would break identity. */
    static final Set<String> RESERVED = Set.of("node-id", "data-dir", "kafka-port", "advertised-host", "cluster.mode",
            "cluster.name", "cluster.namespace", "tier.backend", "tier.cluster");

    private ClusterSpecCheck() {
    }

    record Problem(String reason, String message) {
    }

    static Optional<Problem> check(ClusterSpec spec) {
        Integer min = spec.getMinReplicas();
        Integer max = spec.getMaxReplicas();
        if (min != null && max != null && min > max) {
            return problem("InvalidReplicaBounds", "minReplicas " + min + " is above maxReplicas " + max);
        }
        if (min != null && spec.getReplicas() < min) {
            return problem("ReplicasOutOfBounds", "replicas " + spec.getReplicas() + " is below minReplicas " + min
                    + "; raise replicas or lower minReplicas");
        }
        if (max != null && spec.getReplicas() > max) {
            return problem("ReplicasOutOfBounds", "replicas " + spec.getReplicas() + " is above maxReplicas " + max
                    + "; lower replicas or raise maxReplicas");
        }
        if (spec.getConfig() != null) {
            for (String key : spec.getConfig().keySet()) {
                if (key.startsWith("floe.")) {
                    return problem("InvalidConfig", "config key '" + key + "' must not carry the 'floe.' prefix");
                }
                if (RESERVED.contains(key)) {
                    return problem("InvalidConfig", "config key '" + key + "' is set by the operator for every broker"
                            + " and cannot be overridden");
                }
                if (TopicConfigCatalog.isKnown(key)) {
                    return problem("InvalidConfig", "'" + key + "' is a topic config; set it on a Topic, or as a broker"
                            + " default under 'defaults.'");
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Problem> problem(String reason, String message) {
        return Optional.of(new Problem(reason, message));
    }
}
