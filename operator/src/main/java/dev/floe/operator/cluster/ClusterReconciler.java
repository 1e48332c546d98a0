package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterStatus;
import dev.floe.crds.common.Conditions;
import dev.floe.operator.apply.ResourceApplier;
import dev.floe.operator.autoscale.Autoscaler;
import dev.floe.operator.balance.ClusterBalance;
import dev.floe.operator.drain.BrokerDrain;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Cluster → StatefulSet, Services, ConfigMap, PodDisruptionBudget and broker RBAC. Readiness comes from the brokers'
 * Leases, which is also what the brokers use to decide whether they may lead, so "Ready" means clients can produce.
 */
@ControllerConfiguration(name = "cluster")
public class ClusterReconciler implements Reconciler<Cluster> {
    /** Leases expire without an event; look again this often so readiness follows them. */
    static final Duration RECHECK = Duration.ofSeconds(5);

    private final ResourceApplier applier;
    private final EventRecorder events;
    private final LiveBrokers liveBrokers;
    private final MeterRegistry meters;
    private final BrokerDrain drain;

    private final String defaultBrokerImage;
    private final KubernetesClient client;
    /**
     * Told about every Cluster it reconciles, so Clusters with autoscaling on get looked at; field-injected to keep
     * the constructor the tests use. Null in tests that build the reconciler by hand: no autoscaling there.
     */
    @Inject
    Autoscaler autoscaler;

    private final ClusterBalance balance;

    /** Without balancing: for tests of the other steps. */
    public ClusterReconciler(KubernetesClient client, ResourceApplier applier, EventRecorder events, LiveBrokers liveBrokers, MeterRegistry meters,
                             BrokerDrain drain, String defaultBrokerImage) {
        this(client, applier, events, liveBrokers, meters, drain, null, defaultBrokerImage);
    }

    @Inject
    public ClusterReconciler(KubernetesClient client, ResourceApplier applier, EventRecorder events, LiveBrokers liveBrokers, MeterRegistry meters,
                             BrokerDrain drain, ClusterBalance balance,
                             @ConfigProperty(name = "floe.operator.broker-image") String defaultBrokerImage) {
        this.balance = balance;
        this.defaultBrokerImage = defaultBrokerImage;
        this.client = client;
        this.applier = applier;
        this.events = events;
        this.liveBrokers = liveBrokers;
        this.meters = meters;
        this.drain = drain;
    }

    @Override
    public UpdateControl<Cluster> reconcile(Cluster cluster, Context<Cluster> context) {
        ClusterNames names = ClusterNames.of(cluster);
        long generation = cluster.getMetadata().getGeneration() == null ? 0 : cluster.getMetadata().getGeneration();
        ClusterStatus status = cluster.getStatus() == null ? new ClusterStatus() : cluster.getStatus();
        cluster.setStatus(status);
        if (autoscaler != null) {
            autoscaler.watch(cluster);
        }

        Optional<ClusterSpecCheck.Problem> problem = ClusterSpecCheck.check(cluster.getSpec());
        if (problem.isPresent()) {
            boolean changed = setReady(status, false, problem.get().reason(), problem.get().message(), generation);
            if (changed) {
                events.warning(cluster, problem.get().reason(), problem.get().message() + "; nothing was changed");
            }
            return writeStatus(cluster);
        }

        ensureOffsetsTopic(cluster);
        // A scale-down waits until the leaving brokers hold no replica: until then the StatefulSet keeps its size.
        StatefulSet current = client.apps().statefulSets().inNamespace(names.namespace())
                .withName(names.statefulSet()).get();
        int brokersToRun = drain.brokersToRun(cluster,
                current == null || current.getSpec() == null ? null : current.getSpec().getReplicas());
        for (HasMetadata desired : DesiredClusterResources.of(cluster, defaultBrokerImage)) {
            if (desired instanceof StatefulSet sts) {
                sts.getSpec().setReplicas(brokersToRun);
            }
            ResourceApplier.Outcome outcome = applier.apply(cluster, desired);
            if (outcome != ResourceApplier.Outcome.UNCHANGED) {
                String what = desired.getKind() + " " + desired.getMetadata().getName();
                meters.counter("floe.operator.resources.applied", "kind", desired.getKind(),
                        "outcome", outcome.name().toLowerCase()).increment();
                events.normal(cluster, outcome == ResourceApplier.Outcome.CREATED ? "Created" : "Updated",
                        (outcome == ResourceApplier.Outcome.CREATED ? "created " : "updated ") + what
                                + (desired.getKind().equals("StatefulSet") && outcome == ResourceApplier.Outcome.UPDATED
                                ? "; brokers roll one at a time" : ""));
            }
        }

        Map<Integer, String> live = liveBrokers.of(names.namespace(), names.cluster());
        int replicas = cluster.getSpec().getReplicas();
        int ready = (int) live.keySet().stream().filter(id -> id < replicas).count();
        status.setObservedGeneration(generation);
        status.setReplicas(brokersToRun);
        status.setReadyBrokers(ready);
        status.setSelector(names.brokerSelectorString());
        status.setBootstrap(names.bootstrapAddress(cluster.getSpec().getListeners().getKafka()));
        if (balance != null) {
            // After a scale (up, or down once drained): even out replicas and preferred leaders over the brokers.
            balance.look(cluster, brokersToRun, live);
        }
        boolean allReady = ready == replicas;
        boolean changed = setReady(status, allReady, allReady ? "BrokersReady" : "BrokersStarting",
                ready + " of " + replicas + " brokers hold a live lease", generation);
        if (changed) {
            if (allReady) {
                events.normal(cluster, "BrokersReady", "all " + replicas + " brokers are live");
            } else {
                events.normal(cluster, "BrokersStarting", ready + " of " + replicas + " brokers are live");
            }
        }
        return writeStatus(cluster);
    }

    /**
     * Created once, before the StatefulSet, so brokers find it in place. An existing one is left as it is: a
     * different replication factor would mean moving replicas, which is a deliberate operation of its own.
     */
    private void ensureOffsetsTopic(Cluster cluster) {
        Topic wanted = InternalTopics.consumerOffsets(cluster);
        var existing = client.resources(Topic.class).inNamespace(cluster.getMetadata().getNamespace())
                .withName(wanted.getMetadata().getName());
        if (existing.get() != null) {
            return;
        }
        try {
            client.resource(wanted).create();
            events.normal(cluster, "Created", "created Topic " + wanted.getMetadata().getName() + " for "
                    + InternalTopics.CONSUMER_OFFSETS + " (" + wanted.getSpec().getPartitions() + " partitions, "
                    + "replication factor " + wanted.getSpec().getReplicationFactor() + ")");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // A broker created it first: it exists, which is all this needs.
        }
    }

    /**
     * A plain status update guarded by the resourceVersion we reconciled: a concurrent spec change makes it fail
     * with 409 and the reconciliation runs again on the new spec, rather than a stale status landing on it.
     */
    private UpdateControl<Cluster> writeStatus(Cluster cluster) {
        client.resource(cluster).updateStatus();
        return UpdateControl.<Cluster>noUpdate().rescheduleAfter(RECHECK);
    }

    @Override
    public ErrorStatusUpdateControl<Cluster> updateErrorStatus(Cluster cluster, Context<Cluster> context, Exception e) {
        ClusterStatus status = cluster.getStatus() == null ? new ClusterStatus() : cluster.getStatus();
        cluster.setStatus(status);
        String message = "reconciliation failed and will be retried: " + e.getMessage();
        if (setReady(status, false, "ReconcileFailed", message, cluster.getMetadata().getGeneration())) {
            events.warning(cluster, "ReconcileFailed", message);
        }
        try {
            client.resource(cluster).updateStatus();
        } catch (RuntimeException statusFailed) {
            // The retry that follows will try again; the event above already says what went wrong.
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    private static boolean setReady(ClusterStatus status, boolean ready, String reason, String message, Long generation) {
        return Conditions.set(status, Conditions.READY, ready, reason, message, generation);
    }
}
