package dev.floe.operator.topic;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Conditions;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import dev.floe.crds.common.Names;
import dev.floe.operator.cluster.BrokerZones;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Topic → placed partitions in {@code status}. The brokers watch Topics and act on the status alone: a broker
 * serves the partitions whose leader is its id, with the configs in {@code status.config}. So the status is only
 * written for a spec that passed every check; a refused change leaves the last good placement in force.
 */
@ControllerConfiguration(name = "topic")
public class TopicReconciler implements Reconciler<Topic> {
    static final Duration WAIT_FOR_CLUSTER = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final EventRecorder events;
    private final MeterRegistry meters;
    private final BrokerZones zones;

    public TopicReconciler(KubernetesClient client, EventRecorder events, MeterRegistry meters, BrokerZones zones) {
        this.client = client;
        this.events = events;
        this.meters = meters;
        this.zones = zones;
    }

    /**
     * Placement reads the other topics' leaders, so two topics of one cluster placed at once would both pick the
     * same "least loaded" broker. One placement per cluster at a time, each reading the status the previous one
     * wrote (a fresh list, not the informer cache), keeps the spread even.
     */
    private final Map<String, Object> clusterLocks = new ConcurrentHashMap<>();

    @Override
    public UpdateControl<Topic> reconcile(Topic topic, Context<Topic> context) {
        String key = topic.getMetadata().getNamespace() + "/" + (topic.getMetadata().getLabels() == null ? ""
                : topic.getMetadata().getLabels().getOrDefault(Labels.CLUSTER, ""));
        synchronized (clusterLocks.computeIfAbsent(key, k -> new Object())) {
            UpdateControl<Topic> control = decide(topic);
            holdDataFinalizers(topic);
            // Written here, inside the lock, with the resourceVersion guard: a concurrent writer gets a 409 and
            // this reconciliation is retried on fresh data.
            client.resource(topic).updateStatus();
            return control;
        }
    }

    private UpdateControl<Topic> decide(Topic topic) {
        TopicStatus status = topic.getStatus() == null ? new TopicStatus() : topic.getStatus();
        topic.setStatus(status);
        long generation = topic.getMetadata().getGeneration() == null ? 0 : topic.getMetadata().getGeneration();
        String namespace = topic.getMetadata().getNamespace();

        String clusterName = topic.getMetadata().getLabels() == null ? null
                : topic.getMetadata().getLabels().get(Labels.CLUSTER);
        if (clusterName == null || clusterName.isEmpty()) {
            return refuse(topic, "MissingClusterLabel", "label " + Labels.CLUSTER
                    + " must name the Cluster this topic belongs to", generation);
        }
        Cluster cluster = client.resources(Cluster.class).inNamespace(namespace).withName(clusterName).get();
        if (cluster == null) {
            return refuse(topic, "ClusterNotFound", "no Cluster '" + clusterName + "' in namespace " + namespace
                    + "; the topic is placed once it exists", generation).rescheduleAfter(WAIT_FOR_CLUSTER);
        }
        List<Topic> siblings = client.resources(Topic.class).inNamespace(namespace)
                .withLabel(Labels.CLUSTER, clusterName).list().getItems();
        Optional<TopicSpecCheck.Problem> problem = TopicSpecCheck.check(topic, cluster, siblings);
        if (problem.isPresent()) {
            return refuse(topic, problem.get().reason(), problem.get().message(), generation);
        }

        int before = status.getPartitions() == null ? 0 : status.getPartitions().size();
        Map<String, String> configBefore = status.getConfig();
        List<PartitionStatus> existing = status.getPartitions() == null ? List.of() : status.getPartitions();
        List<PartitionStatus> placement = PartitionPlacer.place(existing,
                topic.getSpec().getPartitions(), cluster.getSpec().getReplicas(),
                topic.getSpec().getReplicationFactor(), loadElsewhere(topic, siblings),
                existing.size() < topic.getSpec().getPartitions() ? zones.of(namespace, clusterName) : Map.of());
        boolean created = status.getTopicId() == null;
        if (created) {
            status.setTopicId(TopicIds.random());
        }
        status.setTopicName(topic.topicName());
        status.setPartitions(placement);
        Map<String, String> config = new LinkedHashMap<>(
                topic.getSpec().getConfig() == null ? Map.of() : topic.getSpec().getConfig());
        status.setConfig(config);
        status.setObservedGeneration(generation);
        setReady(status, true, "Placed", placement.size() + " partitions placed on brokers "
                + placement.stream().map(p -> String.valueOf(p.getLeader())).distinct().sorted()
                .collect(Collectors.joining(",")), generation);

        if (created) {
            meters.counter("floe.operator.topics.placed").increment();
            events.normal(topic, "Placed", "topic '" + topic.topicName() + "' (id " + status.getTopicId() + ") has "
                    + placement.size() + " partitions, leaders " + leaders(placement));
        } else if (placement.size() > before) {
            events.normal(topic, "PartitionsAdded", "partitions " + before + ".." + (placement.size() - 1)
                    + " added, leaders " + leaders(placement.subList(before, placement.size())));
        }
        if (!created && !Objects.equals(configBefore, config)) {
            events.normal(topic, "ConfigChanged", "topic configs are now " + config);
        }
        return UpdateControl.noUpdate();
    }

    @Override
    public ErrorStatusUpdateControl<Topic> updateErrorStatus(Topic topic, Context<Topic> context, Exception e) {
        TopicStatus status = topic.getStatus() == null ? new TopicStatus() : topic.getStatus();
        topic.setStatus(status);
        String message = "reconciliation failed and will be retried: " + e.getMessage();
        if (setReady(status, false, "ReconcileFailed", message, topic.getMetadata().getGeneration())) {
            events.warning(topic, "ReconcileFailed", message);
        }
        try {
            client.resource(topic).updateStatus();
        } catch (RuntimeException statusFailed) {
            // The retry that follows will try again; the event above already says what went wrong.
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    private UpdateControl<Topic> refuse(Topic topic, String reason, String message, long generation) {
        boolean changed = setReady(topic.getStatus(), false, reason, message, generation);
        if (changed) {
            meters.counter("floe.operator.topics.refused", "reason", reason).increment();
            events.warning(topic, reason, message + (topic.getStatus().getTopicId() == null ? ""
                    : "; the topic keeps its last accepted settings"));
        }
        return UpdateControl.noUpdate();
    }

    /**
     * Each broker that holds a replica gets a finalizer on the Topic, removed by that broker once it has deleted its
     * data: deleting a Topic is then an event every replica observes, even one that is down at the time. Written
     * before the status, with the resourceVersion guard; the status write then carries the new version.
     */
    private void holdDataFinalizers(Topic topic) {
        if (topic.getStatus() == null || topic.getStatus().getPartitions() == null) {
            return;
        }
        List<String> finalizers = topic.getMetadata().getFinalizers() == null ? new ArrayList<>()
                : new ArrayList<>(topic.getMetadata().getFinalizers());
        Set<Integer> holders = new TreeSet<>();
        topic.getStatus().getPartitions().forEach(p -> holders.addAll(p.getReplicas()));
        boolean added = false;
        for (int broker : holders) {
            String finalizer = Names.brokerDataFinalizer(broker);
            if (!finalizers.contains(finalizer)) {
                finalizers.add(finalizer);
                added = true;
            }
        }
        if (added) {
            topic.getMetadata().setFinalizers(finalizers);
            Topic updated = client.resource(topic).update();
            topic.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        }
    }

    /** Leaders (preferred ones: where leadership settles) and replicas the cluster's other topics put on each broker. */
    private static PartitionPlacer.Load loadElsewhere(Topic topic, List<Topic> siblings) {
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicas = new HashMap<>();
        for (Topic other : siblings) {
            if (other.getMetadata().getUid().equals(topic.getMetadata().getUid()) || other.getStatus() == null
                    || other.getStatus().getPartitions() == null) {
                continue;
            }
            for (PartitionStatus p : other.getStatus().getPartitions()) {
                leaders.merge(p.getReplicas().isEmpty() ? p.getLeader() : p.getReplicas().get(0), 1, Integer::sum);
                p.getReplicas().forEach(r -> replicas.merge(r, 1, Integer::sum));
            }
        }
        return new PartitionPlacer.Load(leaders, replicas);
    }

    private static String leaders(List<PartitionStatus> placement) {
        return placement.stream().map(p -> p.getPartition() + "→" + p.getLeader()).collect(Collectors.joining(" "));
    }

    private static boolean setReady(TopicStatus status, boolean ready, String reason, String message, Long generation) {
        return Conditions.set(status, Conditions.READY, ready, reason, message, generation);
    }
}
