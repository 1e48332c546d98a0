package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.List;

/**
 * Everything a Cluster should own, computed from its spec alone (no API calls), so golden tests can pin it down.
 * Order matters: the ConfigMap and RBAC exist before the pods that mount and use them.
 */
public final class DesiredClusterResources {
    private DesiredClusterResources() {
    }

    public static List<HasMetadata> of(Cluster cluster, String defaultBrokerImage) {
        ConfigMap config = BrokerConfigMap.desired(cluster);
        return List.of(
                BrokerRbac.serviceAccount(cluster),
                BrokerRbac.role(cluster),
                BrokerRbac.roleBinding(cluster),
                config,
                BrokerServices.headless(cluster),
                BrokerServices.bootstrap(cluster),
                BrokerDisruptionBudget.desired(cluster),
                BrokerStatefulSet.desired(cluster, BrokerConfigMap.hash(config), defaultBrokerImage));
    }
}
