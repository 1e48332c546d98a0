package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

/** Voluntary evictions (node drains) take at most one broker at a time, as the rolling update does. */
public final class BrokerDisruptionBudget {
    private BrokerDisruptionBudget() {
    }

    public static PodDisruptionBudget desired(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(names.disruptionBudget()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(names.brokerSelector()).endSelector()
                .endSpec()
                .build();
    }
}
