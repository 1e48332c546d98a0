package dev.floe.operator.cluster;

import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.Map;

/**
 * Each broker's failure domain, for rack-aware placement: the {@code topology.kubernetes.io/zone} label of its pod,
 * or else of the node the pod runs on (Kubernetes puts it on nodes, not pods). A broker whose zone is unknown (pod
 * not scheduled yet, nodes not readable) simply has none; placement then only keeps replicas on distinct brokers.
 */
@ApplicationScoped
public class BrokerZones {
    private static final Logger LOG = Logger.getLogger(BrokerZones.class);

    private final KubernetesClient client;

    public BrokerZones(KubernetesClient client) {
        this.client = client;
    }

    public Map<Integer, String> of(String namespace, String cluster) {
        Map<Integer, String> zones = new HashMap<>();
        String prefix = Names.brokerStatefulSet(cluster) + "-";
        Map<String, String> nodeZones = new HashMap<>();
        try {
            for (Pod pod : client.pods().inNamespace(namespace).withLabel(Labels.CLUSTER, cluster).list().getItems()) {
                String name = pod.getMetadata().getName();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                int id;
                try {
                    id = Integer.parseInt(name.substring(prefix.length()));
                } catch (NumberFormatException e) {
                    continue;
                }
                String zone = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(Labels.ZONE);
                String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
                if (zone == null && node != null) {
                    zone = nodeZones.computeIfAbsent(node, this::nodeZone);
                }
                if (zone != null && !zone.isEmpty()) {
                    zones.put(id, zone);
                }
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("could not read the zones of cluster %s/%s (%s); placing without rack awareness", namespace,
                    cluster, e.getMessage());
        }
        return zones;
    }

    private String nodeZone(String nodeName) {
        try {
            Node node = client.nodes().withName(nodeName).get();
            return node == null || node.getMetadata().getLabels() == null ? ""
                    : node.getMetadata().getLabels().getOrDefault(Labels.ZONE, "");
        } catch (KubernetesClientException e) {
            return "";
        }
    }
}
