package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

import java.util.List;

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
                .withPorts(ports(cluster))
                .endSpec()
                .build();
    }

    private static List<ServicePort> ports(Cluster cluster) {
        return List.of(
                new ServicePortBuilder().withName("kafka").withPort(cluster.getSpec().getListeners().getKafka())
                        .withTargetPort(new IntOrString("kafka")).build(),
                new ServicePortBuilder().withName("http").withPort(cluster.getSpec().getListeners().getHttp())
                        .withTargetPort(new IntOrString("http")).build());
    }

    public static Service bootstrap(Cluster cluster) {
        ClusterNames names = ClusterNames.of(cluster);
        return new ServiceBuilder()
                .withNewMetadata().withName(names.bootstrapService()).withNamespace(names.namespace())
                .withLabels(names.labels()).endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(names.brokerSelector())
                .withPorts(ports(cluster))
                .endSpec()
                .build();
    }
}
