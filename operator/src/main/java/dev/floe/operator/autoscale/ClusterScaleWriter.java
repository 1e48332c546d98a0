package dev.floe.operator.autoscale;

import dev.floe.crds.cluster.AutoscalingStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The autoscaler's two writes to a Cluster, each a replace of what was just read, guarded by its resourceVersion
 * and retried on 409 (a plain replace: the test API server hangs on some PATCHes of custom resources).
 */
final class ClusterScaleWriter {
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;

    ClusterScaleWriter(KubernetesClient client) {
        this.client = client;
    }

    /**
     * spec.replicas from {@code from} to {@code to}, as a scale subresource write would.
     *
     * @return false when spec.replicas is no longer {@code from} (someone else scaled): nothing is written and the
     * next look decides on the new count
     */
    boolean replicas(String namespace, String name, int from, int to) {
        for (int attempt = 1; ; attempt++) {
            Cluster cluster = client.resources(Cluster.class).inNamespace(namespace).withName(name).get();
            if (cluster == null || cluster.getSpec().getReplicas() != from) {
                return false;
            }
            cluster.getSpec().setReplicas(to);
            try {
                client.resource(cluster).update();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * status.autoscaling, the rest of the status as it is now. Written on every look, so a status write of the
     * reconciler made from an older read (which a real API server refuses with 409, the test one does not) is
     * repaired on the next look.
     */
    void status(String namespace, String name, AutoscalingStatus autoscaling) {
        for (int attempt = 1; ; attempt++) {
            Cluster cluster = client.resources(Cluster.class).inNamespace(namespace).withName(name).get();
            if (cluster == null) {
                return;
            }
            if (cluster.getStatus() == null) {
                cluster.setStatus(new ClusterStatus());
            }
            cluster.getStatus().setAutoscaling(autoscaling);
            try {
                client.resource(cluster).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
