package dev.floe.operator.reassign;

import dev.floe.crds.common.Names;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

/**
 * The reassignment step of the controller's pass over one Topic: record a pending {@code floe.dev/reassign} request
 * (targets and cancellations) and finish the moves whose target replicas are all in sync. Decides on the status in
 * place; the caller writes it (with the resourceVersion guard, retrying on 409 by calling this again on the fresh
 * Topic) and then calls {@link #report}. Every step is an Event and, through the recorder, one log line.
 */
public final class ReassignmentPass {
    private static final Logger LOG = Logger.getLogger(ReassignmentPass.class);
    private static final int WRITE_ATTEMPTS = 10;

    private final KubernetesClient client;
    private final EventRecorder events;

    public ReassignmentPass(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    /** What one look at a Topic decided: the steps, the request answered (if any), targets refused. */
    public record Outcome(List<Reassignment.Step> steps, String answered, List<String> refused) {
        public boolean changed() {
            return !steps.isEmpty() || answered != null;
        }
    }

    /**
     * @param brokers the Cluster's broker count: a target naming a broker at or above it cannot be placed
     * @param live    brokers whose lease is valid now (a leader that must move goes to a live one)
     */
    public Outcome plan(Topic topic, int brokers, IntPredicate live) {
        List<PartitionStatus> partitions = topic.getStatus().getPartitions();
        List<Reassignment.Step> steps = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Optional<ReassignmentRequest> request = ReassignmentRequest.pending(topic);
        if (request.isPresent()) {
            for (Map.Entry<Integer, List<Integer>> e : request.get().targets().entrySet()) {
                int partition = e.getKey();
                List<Integer> target = e.getValue();
                if (partition < 0 || partition >= partitions.size()) {
                    refused.add("partition " + partition + " does not exist");
                    continue;
                }
                if (target.stream().anyMatch(b -> b < 0 || b >= brokers)
                        || new HashSet<>(target).size() != target.size()) {
                    refused.add("partition " + partition + " target " + target + " names a broker twice or one "
                            + "outside 0.." + (brokers - 1));
                    continue;
                }
                PartitionStatus p = partitions.get(partition);
                Reassignment.Step step = target.isEmpty() ? Reassignment.cancel(p, live)
                        : Reassignment.start(p, target, live);
                if (step != null) {
                    steps.add(step);
                }
            }
            topic.getStatus().setReassignmentRequest(request.get().id());
        }
        for (PartitionStatus p : partitions) {
            // A target that needs no new replica (a pure shrink) completes in the same write that records it.
            steps.addAll(Reassignment.complete(p, live));
        }
        return new Outcome(steps, request.map(ReassignmentRequest::id).orElse(null), refused);
    }

    /** After the status write went through: one Event per kind of step for this Topic, listing the partitions. */
    public void report(Topic topic, Outcome outcome) {
        // In the order the steps happen: started, leader moved, completed.
        Map<Reassignment.Kind, List<Reassignment.Step>> byKind = outcome.steps().stream()
                .collect(Collectors.groupingBy(Reassignment.Step::kind, () -> new EnumMap<>(Reassignment.Kind.class),
                        Collectors.toList()));
        byKind.forEach((kind, steps) -> {
            String what = steps.stream().map(ReassignmentPass::describe).collect(Collectors.joining("; "));
            switch (kind) {
                case STARTED -> events.normal(topic, "ReassignmentStarted", "new replicas follow the leader and join "
                        + "the ISR; the move completes once every target replica is in sync"
                        + request(outcome) + ": " + what);
                case CANCELLED -> events.normal(topic, "ReassignmentCancelled", "back to the replicas before the "
                        + "reassignment" + request(outcome) + ": " + what);
                case LEADER_MOVED -> events.normal(topic, "ReassignmentLeaderMoved", "the leader was being removed; "
                        + "leadership moved to an in-sync target replica: " + what);
                case COMPLETED -> events.normal(topic, "ReassignmentCompleted", "every target replica is in sync; "
                        + "removed replicas stop following and delete their local data: " + what);
            }
        });
        if (byKind.containsKey(Reassignment.Kind.STARTED)) {
            holdDataFinalizers(topic);
        }
        if (!outcome.refused().isEmpty()) {
            events.warning(topic, "ReassignmentRefused", "reassignment request " + outcome.answered() + ": "
                    + String.join("; ", outcome.refused()));
        }
    }

    /**
     * A broker joining a partition's replicas gets its data finalizer on the Topic, as placement gives one to every
     * replica, so a later delete of the Topic is observed by it even if it is down then. Guarded by resourceVersion
     * on the main resource; a lost race is retried on fresh data.
     */
    private void holdDataFinalizers(Topic written) {
        for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
            Topic topic = client.resources(Topic.class).inNamespace(written.getMetadata().getNamespace())
                    .withName(written.getMetadata().getName()).get();
            if (topic == null || topic.getStatus() == null || topic.getMetadata().getDeletionTimestamp() != null) {
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
            if (!added) {
                return;
            }
            topic.getMetadata().setFinalizers(finalizers);
            try {
                client.resource(topic).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    LOG.warnf("could not add data finalizers to Topic %s: %s", topic.getMetadata().getName(),
                            e.getMessage());
                    return;
                }
            }
        }
    }

    private static String request(Outcome outcome) {
        return outcome.answered() == null ? "" : " (request " + outcome.answered() + ")";
    }

    private static String describe(Reassignment.Step s) {
        return "partition " + s.partition() + " replicas " + s.replicas() + " leader " + s.leader() + " epoch "
                + s.leaderEpoch() + " isr " + s.isr();
    }
}
