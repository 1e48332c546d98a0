package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;

/**
 * Two Services: a headless one that gives every broker a stable DNS name (what Metadata advertises), and a
 * bootstrap one that spreads a client's first connection over the ready brokers.
 */
public final class BrokerServices {
    private BrokerServices() {
    }

    public static Service headless(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new ServiceBuilder()
                .withNewMetadata().withName(names.headlessService()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                // Brokers must resolve each other before they are ready (replication, leader hand-over).
                .withPublishNotReadyAddresses(true)
                .withSelector(names.brokerSelector())
                .addNewPort().withName("kafka").withPort(cluster.getSpec().getListeners().getKafka())
                .withTargetPort(new IntOrString("kafka")).endPort()
                .addNewPort().withName("http").withPort(cluster.getSpec().getListeners().getHttp())
                .withTargetPort(new IntOrString("http")).endPort()
                .endSpec()
                .build();
    }

    public static Service bootstrap(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new ServiceBuilder()
                .withNewMetadata().withName(names.bootstrapService()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(names.brokerSelector())
                .addNewPort().withName("kafka").withPort(cluster.getSpec().getListeners().getKafka())
                .withTargetPort(new IntOrString("kafka")).endPort()
                .addNewPort().withName("http").withPort(cluster.getSpec().getListeners().getHttp())
                .withTargetPort(new IntOrString("http")).endPort()
                .endSpec()
                .build();
    }
}
