package dev.floe.broker.cluster;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;
import dev.floe.crds.topic.Topic;
import dev.floe.broker.topic.TopicRegistry;
import dev.floe.broker.topic.TopicService;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import dev.floe.broker.reassign.KubernetesReassignments;
import org.jboss.logging.Logger;

import java.util.function.BooleanSupplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Cluster mode: this broker's link to the Kubernetes API. It holds the broker's Lease, watches the cluster's Leases
 * (who is alive, where) and Topics (what exists, who leads), and sends clients' topic changes to Topic resources.
 * The API client is configured the standard fabric8 way: in a pod from its service account, elsewhere from
 * KUBERNETES_MASTER and friends.
 */
public final class KubernetesCluster implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesCluster.class);

    private static final int API_REQUEST_TIMEOUT_MS = 10_000;

    private final KubernetesClient client;
    private final KubernetesClient leaseClient;
    private final BrokerLease lease;
    private final KubernetesClusterView view;
    private final SharedIndexInformer<Lease> leaseInformer;
    private final SharedIndexInformer<Topic> topicInformer;
    private final String namespace;
    private final KubernetesPreferredElections elections;
    private final KubernetesReassignments reassignments;

    private KubernetesCluster(KubernetesClient client, KubernetesClient leaseClient, BrokerLease lease, KubernetesClusterView view,
                              SharedIndexInformer<Lease> leaseInformer, SharedIndexInformer<Topic> topicInformer,
                              String namespace, KubernetesPreferredElections elections,
                              KubernetesReassignments reassignments) {
        this.elections = elections;
        this.reassignments = reassignments;
        this.client = client;
        this.leaseClient = leaseClient;
        this.lease = lease;
        this.view = view;
        this.leaseInformer = leaseInformer;
        this.topicInformer = topicInformer;
        this.namespace = namespace;
    }

    public record Settings(String namespace, String cluster, String podName, String advertisedHost, int advertisedPort,
                           int advertisedHttpPort, int leaseDurationSeconds, long topicChangeTimeoutMs) {
    }

    /**
     * @param healthy whether this broker can serve what it leads (its log directory is usable); the lease is only
     *                renewed while it is, so a broker with a dead disk loses leadership instead of failing requests
     */
    public static KubernetesCluster start(Settings s, TopicRegistry registry, TopicService topics,
                                          ScheduledExecutorService leaseExecutor, BooleanSupplier healthy) {
        int brokerId = PodIdentity.brokerId(s.podName());
        // Informers, topic changes and start-up reads: a slow API server (a loaded machine) delays them, no more.
        KubernetesClient client = client(API_REQUEST_TIMEOUT_MS);
        // The Lease has a client of its own: a renewal must finish well inside the lease, so its requests time out
        // after one renewal interval and the next attempt follows a second later, whatever the other calls wait for.
        KubernetesClient leaseClient = client((int) BrokerLease.renewIntervalMs(s.leaseDurationSeconds()));
        Cluster cluster = client.resources(Cluster.class).inNamespace(s.namespace()).withName(s.cluster()).get();
        if (cluster == null) {
            client.close();
            leaseClient.close();
            throw new IllegalStateException("Cluster " + s.namespace() + "/" + s.cluster() + " does not exist in "
                    + client.getMasterUrl() + "; a broker in cluster mode belongs to a Cluster resource");
        }
        String advertised = s.advertisedHost() + ":" + s.advertisedPort();
        BrokerLease lease = new BrokerLease(leaseClient, s.namespace(), s.cluster(), brokerId, s.podName(), advertised,
                s.advertisedHost() + ":" + s.advertisedHttpPort(), s.leaseDurationSeconds());
        KubernetesClusterView view = new KubernetesClusterView(brokerId, cluster.getMetadata().getUid(),
                new ClusterView.BrokerEndpoint(brokerId, s.advertisedHost(), s.advertisedPort(), null), lease);

        SharedIndexInformer<Lease> leases = client.leases().inNamespace(s.namespace())
                .withLabel(Labels.CLUSTER, s.cluster()).inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Lease l) {
                        view.leaseChanged(l);
                    }

                    @Override
                    public void onUpdate(Lease before, Lease after) {
                        view.leaseChanged(after);
                    }

                    @Override
                    public void onDelete(Lease l, boolean finalStateUnknown) {
                        view.leaseDeleted(l);
                    }
                }, 0);
        TopicResourceSync sync = new TopicResourceSync(registry, view,
                topic -> releaseDataFinalizer(client, topic, brokerId));
        SharedIndexInformer<Topic> topicInformer = client.resources(Topic.class).inNamespace(s.namespace())
                .withLabel(Labels.CLUSTER, s.cluster()).inform(sync, 60_000);
        sync.reportTopicsMissingFrom(topicInformer.getStore().list());
        KubernetesTopicControl control = new KubernetesTopicControl(client, s.namespace(), s.cluster(),
                topicInformer.getStore(), registry, s.topicChangeTimeoutMs(), () -> brokerCount(client, s, view));
        // The operator's verdict on a change arrives as a Topic status update: wake whoever awaits it.
        topicInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Topic t) {
                control.onChange();
            }

            @Override
            public void onUpdate(Topic before, Topic after) {
                control.onChange();
            }

            @Override
            public void onDelete(Topic t, boolean finalStateUnknown) {
                control.onChange();
            }
        });
        topics.setControlPlane(control);
        KubernetesPreferredElections elections = new KubernetesPreferredElections(client, s.namespace(),
                topicInformer.getStore(), s.topicChangeTimeoutMs());
        KubernetesReassignments reassignments = new KubernetesReassignments(client, s.namespace(),
                topicInformer.getStore(), s.topicChangeTimeoutMs(), () -> brokerCount(client, s, view));
        topicInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Topic t) {
                elections.onChange();
                reassignments.onChange();
            }

            @Override
            public void onUpdate(Topic before, Topic after) {
                elections.onChange();
                reassignments.onChange();
            }

            @Override
            public void onDelete(Topic t, boolean finalStateUnknown) {
                elections.onChange();
                reassignments.onChange();
            }
        });

        if (!lease.renew()) {
            LOG.warnf("broker %d starts without its lease; it leads nothing until a renewal succeeds", brokerId);
        }
        // The Lease has a thread of its own: a renewal never queues behind appends, reads or object-store calls,
        // so a busy broker does not lose leadership it is able to exercise. Each renewal schedules the next, so at
        // most one is in flight even when the API server is slow, and a failed one is retried within a second
        // rather than a third of the lease later.
        new LeaseRenewals(lease, healthy, brokerId, leaseExecutor).start();
        LOG.infof("cluster mode: broker %d of Cluster %s/%s (id %s), API server %s, %d topics known", brokerId,
                s.namespace(), s.cluster(), cluster.getMetadata().getUid(), client.getMasterUrl(),
                topicInformer.getStore().list().size());
        return new KubernetesCluster(client, leaseClient, lease, view, leases, topicInformer, s.namespace(),
                elections, reassignments);
    }

    private static KubernetesClient client(int requestTimeoutMs) {
        Config config = new ConfigBuilder(Config.autoConfigure(null))
                .withRequestTimeout(requestTimeoutMs)
                .withRequestRetryBackoffLimit(1)
                .build();
        return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization()).build();
    }

    /**
     * Reads Clusters and Topics that carry fields this broker does not know. During an upgrade the operator (and its
     * CRDs) move first: a Cluster with a new field must not stop older brokers from starting or from seeing changes.
     */
    static KubernetesSerialization serialization() {
        return new KubernetesSerialization(
                new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false), true);
    }

    /**
     * This broker's data of a deleted Topic is gone: remove its finalizer so the deletion can complete. Guarded by
     * resourceVersion; a 409 (another broker removed its own at the same time) re-reads and tries again.
     */
    private static void releaseDataFinalizer(KubernetesClient client, Topic topic, int brokerId) {
        String finalizer = Names.brokerDataFinalizer(brokerId);
        for (int attempt = 0; attempt < 10; attempt++) {
            Topic fresh = client.resources(Topic.class).inNamespace(topic.getMetadata().getNamespace())
                    .withName(topic.getMetadata().getName()).get();
            if (fresh == null || fresh.getMetadata().getFinalizers() == null
                    || !fresh.getMetadata().getFinalizers().contains(finalizer)) {
                return;
            }
            fresh.getMetadata().getFinalizers().remove(finalizer);
            try {
                client.resource(fresh).update();
                LOG.infof("released finalizer %s of deleted Topic %s/%s", finalizer, topic.getMetadata().getNamespace(),
                        topic.getMetadata().getName());
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    LOG.warnf("could not release finalizer %s of Topic %s: %s; retried on the next Topic event",
                            finalizer, topic.getMetadata().getName(), e.getMessage());
                    return;
                }
            }
        }
    }

    /** AlterPartitionReassignments: targets handed to the operator. */
    public KubernetesReassignments reassignments() {
        return reassignments;
    }

    /** ElectLeaders: preferred elections asked of the operator. */
    public KubernetesPreferredElections elections() {
        return elections;
    }

    public KubernetesClusterView view() {
        return view;
    }

    /** Writes a leader's in-sync set changes to Topic.status, epoch-guarded (see {@link KubernetesIsrWriter}). */
    public KubernetesIsrWriter isrWriter() {
        return new KubernetesIsrWriter(client, namespace, topicInformer.getStore());
    }

    public int brokerId() {
        return view.localNodeId();
    }

    @Override
    public void close() {
        topicInformer.stop();
        leaseInformer.stop();
        lease.release();
        leaseClient.close();
        client.close();
    }

    /**
     * The brokers a replica may go on: the Cluster's replicas (what the operator checks a replication factor
     * against), read when a topic is created; the brokers seen so far if the Cluster cannot be read. Not the live
     * brokers: the first broker to start would otherwise create internal topics with a single replica.
     */
    private static int brokerCount(KubernetesClient client, Settings s, KubernetesClusterView view) {
        try {
            Cluster c = client.resources(Cluster.class).inNamespace(s.namespace()).withName(s.cluster()).get();
            if (c != null && c.getSpec() != null && c.getSpec().getReplicas() > 0) {
                return c.getSpec().getReplicas();
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot read Cluster %s/%s for its broker count (%s); counting the brokers seen",
                    s.namespace(), s.cluster(), e.getMessage());
        }
        return view.knownBrokers();
    }
}
