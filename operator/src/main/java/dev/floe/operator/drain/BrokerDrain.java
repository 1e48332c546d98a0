package dev.floe.operator.drain;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterStatus;
import dev.floe.crds.cluster.DrainStatus;
import dev.floe.crds.common.Conditions;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.Topic;
import dev.floe.operator.cluster.BrokerZones;
import dev.floe.operator.cluster.LiveBrokers;
import dev.floe.operator.events.EventRecorder;
import dev.floe.operator.reassign.Reassignment;
import dev.floe.operator.reassign.ReassignmentPass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Drain before scale-down. When {@code spec.replicas} falls below the brokers the StatefulSet runs, the brokers that
 * will go (the highest ordinals) are emptied first: every partition with a replica on one gets a reassignment target
 * on staying brokers ({@link DrainPlan}), which the controller's reassignment pass carries out (the new replica catches
 * up, leadership moves off a leaving leader, the old replica drops its data). Only when no partition has a replica on
 * a leaving broker does the StatefulSet shrink. A scale-down that would leave a topic with more replicas, or a higher
 * min.insync.replicas, than brokers is refused ({@link ScaleDownCheck}) and the StatefulSet keeps its size.
 *
 * <p>No state of its own: each call derives everything from the StatefulSet's replicas, the Topics and
 * {@code Cluster.status.drain} (which brokers were being drained, so a scale-up knows which moves to cancel), so an
 * operator restart resumes where the last write left off.
 */
@ApplicationScoped
public class BrokerDrain {
    /** The condition on Cluster.status that says what the drain is doing or why a scale-down is refused. */
    public static final String CONDITION = "Draining";
    private static final int WRITE_ATTEMPTS = 10;

    private final KubernetesClient client;
    private final EventRecorder events;
    private final LiveBrokers liveBrokers;
    private final BrokerZones zones;
    private final ReassignmentPass reassignments;

    public BrokerDrain(KubernetesClient client, EventRecorder events, LiveBrokers liveBrokers, BrokerZones zones) {
        this.client = client;
        this.events = events;
        this.liveBrokers = liveBrokers;
        this.zones = zones;
        this.reassignments = new ReassignmentPass(client, events);
    }

    /**
     * One look: record moves, update {@code cluster}'s status in place (the caller writes it) and say how many brokers
     * the StatefulSet should run now.
     *
     * @param running the StatefulSet's replicas, null when it does not exist yet
     */
    public int brokersToRun(Cluster cluster, Integer running) {
        int wanted = cluster.getSpec().getReplicas();
        ClusterStatus status = cluster.getStatus();
        DrainStatus before = status.getDrain();
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        if (running == null || running <= wanted) {
            if (before != null) {
                Set<Integer> staying = new TreeSet<>(before.getBrokers());
                IntPredicate live = live(cluster);
                int cancelled = writeEach(namespace, name, topic -> DrainPlan.cancelUnneeded(topic, staying, live));
                status.setDrain(null);
                set(cluster, false, "DrainCancelled", "spec.replicas " + wanted + " keeps brokers " + staying
                        + "; " + cancelled + " partition moves off them that were not complete were cancelled");
                events.normal(cluster, "DrainCancelled", "scaled back up to " + wanted + " brokers before the drain "
                        + "of brokers " + staying + " finished; cancelled " + cancelled + " unfinished partition moves");
            } else if (Conditions.find(status.getConditions(), CONDITION)
                    .filter(c -> "ScaleDownRefused".equals(c.getReason())).isPresent()) {
                set(cluster, false, "NoScaleDown", "spec.replicas " + wanted + " is not below the brokers running; "
                        + "nothing to drain");
            }
            return wanted;
        }

        List<Integer> leaving = IntStream.range(wanted, running).boxed().toList();
        List<Topic> topics = topics(namespace, name);
        Optional<String> refusal = ScaleDownCheck.refusal(topics, cluster.getSpec(), wanted);
        if (refusal.isPresent()) {
            String message = "scale-down from " + running + " to " + wanted + " brokers refused: " + refusal.get()
                    + "; the StatefulSet keeps " + running + " brokers";
            if (set(cluster, false, "ScaleDownRefused", message)) {
                events.warning(cluster, "ScaleDownRefused", message);
            }
            return running;
        }

        IntPredicate live = live(cluster);
        if (before != null) {
            Set<Integer> notLeaving = new TreeSet<>(before.getBrokers());
            leaving.forEach(notLeaving::remove);
            if (!notLeaving.isEmpty()) {
                int cancelled = writeEach(namespace, name, t -> DrainPlan.cancelUnneeded(t, notLeaving, live));
                events.normal(cluster, "DrainCancelled", "brokers " + notLeaving + " stay after all; cancelled "
                        + cancelled + " unfinished partition moves off them");
            }
        }
        DrainPlan plan = new DrainPlan(wanted, topics, zones.of(namespace, name));
        int moved = writeEach(namespace, name, t -> plan.moveOff(t, live));
        int left = topics(namespace, name).stream().mapToInt(plan::partitionsLeft).sum();

        if (left == 0) {
            status.setDrain(null);
            String message = "brokers " + leaving + " hold no replica; the StatefulSet shrinks from " + running
                    + " to " + wanted + " brokers";
            set(cluster, false, "Drained", message);
            events.normal(cluster, "Drained", message);
            return wanted;
        }
        status.setDrain(new DrainStatus(leaving, left));
        boolean started = before == null || !Objects.equals(before.getBrokers(), leaving);
        set(cluster, true, "Draining", "moving replicas off brokers " + leaving + " before the StatefulSet shrinks "
                + "from " + running + " to " + wanted + "; " + left + " partitions left");
        if (started) {
            events.normal(cluster, "DrainStarted", "scale-down from " + running + " to " + wanted + ": brokers "
                    + leaving + " are drained first; " + left + " partitions have a replica on them, " + moved
                    + " partition moves recorded");
        } else if (before.getPartitionsLeft() != left || moved > 0) {
            events.normal(cluster, "DrainProgress", left + " partitions still have a replica on brokers " + leaving
                    + (moved > 0 ? "; " + moved + " more partition moves recorded" : ""));
        }
        return running;
    }

    private interface TopicStep {
        List<Reassignment.Step> apply(Topic topic);
    }

    /**
     * Apply {@code step} to every Topic of the cluster and write those it changed, each with its resourceVersion: a
     * 409 (the leader's ISR update, the controller's pass) re-reads the Topic and decides again on what is there.
     *
     * @return the partitions changed
     */
    private int writeEach(String namespace, String cluster, TopicStep step) {
        int changed = 0;
        for (Topic listed : topics(namespace, cluster)) {
            Topic topic = listed;
            for (int attempt = 1; topic != null; attempt++) {
                List<Reassignment.Step> steps = step.apply(topic);
                if (steps.isEmpty()) {
                    break;
                }
                try {
                    client.resource(topic).updateStatus();
                    reassignments.report(topic, new ReassignmentPass.Outcome(steps, null, List.of()));
                    changed += steps.size();
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt >= WRITE_ATTEMPTS) {
                        throw e;
                    }
                    topic = client.resources(Topic.class).inNamespace(namespace)
                            .withName(topic.getMetadata().getName()).get();
                    if (topic != null && (topic.getMetadata().getDeletionTimestamp() != null || topic.getStatus() == null)) {
                        topic = null;
                    }
                }
            }
        }
        return changed;
    }

    /**
     * The cluster's Topics that are not being deleted (a deleted topic's replicas go with it). Unplaced ones count
     * for the replication-factor check; they have no partitions to move.
     */
    private List<Topic> topics(String namespace, String cluster) {
        return new ArrayList<>(client.resources(Topic.class).inNamespace(namespace).withLabel(Labels.CLUSTER, cluster)
                .list().getItems().stream()
                .filter(t -> t.getMetadata().getDeletionTimestamp() == null)
                .collect(Collectors.toList()));
    }

    private IntPredicate live(Cluster cluster) {
        Map<Integer, String> live = liveBrokers.of(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
        return live::containsKey;
    }

    private static boolean set(Cluster cluster, boolean value, String reason, String message) {
        return Conditions.set(cluster.getStatus(), CONDITION, value, reason, message, cluster.getMetadata().getGeneration());
    }
}
