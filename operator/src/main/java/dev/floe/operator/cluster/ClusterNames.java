package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of everything the operator creates for a Cluster, in one place so they never disagree. */
public record ClusterNames(String cluster, String namespace) {

    public static ClusterNames of(Cluster cluster) {
        return new ClusterNames(cluster.getMetadata().getName(), cluster.getMetadata().getNamespace());
    }

    public String statefulSet() {
        return Names.brokerStatefulSet(cluster);
    }

    public String headlessService() {
        return cluster + "-brokers";
    }

    public String bootstrapService() {
        return cluster + "-bootstrap";
    }

    public String configMap() {
        return cluster + "-broker-config";
    }

    public String disruptionBudget() {
        return cluster + "-brokers";
    }

    public String serviceAccount() {
        return cluster + "-broker";
    }

    public String role() {
        return cluster + "-broker";
    }

    /** The Lease broker {@code id} holds while it is alive. */
    public String lease(int brokerId) {
        return Names.brokerLease(cluster, brokerId);
    }

    public String bootstrapAddress(int kafkaPort) {
        return bootstrapService() + "." + namespace + ".svc:" + kafkaPort;
    }

    /** Labels on every object of this cluster. */
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.NAME, "floe");
        labels.put(Labels.INSTANCE, cluster);
        labels.put(Labels.MANAGED_BY, "floe-operator");
        labels.put(Labels.CLUSTER, cluster);
        return labels;
    }

    /** Labels of the broker pods; also the StatefulSet and Service selector. */
    public Map<String, String> brokerSelector() {
        Map<String, String> selector = new LinkedHashMap<>();
        selector.put(Labels.CLUSTER, cluster);
        selector.put(Labels.COMPONENT, "broker");
        return selector;
    }

    public String brokerSelectorString() {
        StringBuilder s = new StringBuilder();
        brokerSelector().forEach((k, v) -> s.append(s.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return s.toString();
    }
}
