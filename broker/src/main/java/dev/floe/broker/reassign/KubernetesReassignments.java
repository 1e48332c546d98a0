package dev.floe.broker.reassign;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.Store;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

/**
 * Reassignments asked of the operator, the way preferred elections are: the checked targets go on the Topic as the
 * annotation {@code floe.dev/reassign: <id>;<p>=<b>,<b>;<p>=} (empty list = cancel), and the operator answers by
 * recording them in the status (adding/removing replicas) and setting {@code status.reassignmentRequest} to the id.
 * Like Kafka's AlterPartitionReassignments, the answer means "recorded", not "moved": ListPartitionReassignments and
 * the topic's replicas tell when the move is done. The wait wakes on Topic informer events, never on a timer.
 */
public final class KubernetesReassignments implements Reassignments {
    private static final Logger LOG = Logger.getLogger(KubernetesReassignments.class);
    private static final int WRITE_ATTEMPTS = 10;

    private final KubernetesClient client;
    private final String namespace;
    private final Store<Topic> topics;
    private final long timeoutMs;
    private final IntSupplier brokers;
    private final Object changed = new Object();
    private long changes;

    /** @param brokers the Cluster's broker count (its {@code replicas}): the ids a replica may go on */
    public KubernetesReassignments(KubernetesClient client, String namespace, Store<Topic> topics, long timeoutMs,
                                   IntSupplier brokers) {
        this.client = client;
        this.namespace = namespace;
        this.topics = topics;
        this.timeoutMs = timeoutMs;
        this.brokers = brokers;
    }

    /** A Topic changed: a waiting request may have its answer. */
    public void onChange() {
        synchronized (changed) {
            changes++;
            changed.notifyAll();
        }
    }

    @Override
    public Map<Integer, Outcome> alter(String topicName, Map<Integer, List<Integer>> targets, boolean allowRfChange) {
        Map<Integer, Outcome> out = new TreeMap<>();
        Optional<Topic> topic = find(topicName);
        List<PartitionStatus> placed = topic.isEmpty() || topic.get().getStatus() == null
                || topic.get().getStatus().getPartitions() == null ? List.of() : topic.get().getStatus().getPartitions();
        int brokerCount = brokers.getAsInt();
        Map<Integer, List<Integer>> toAsk = new LinkedHashMap<>();
        targets.forEach((p, target) -> {
            PartitionStatus current = p >= 0 && p < placed.size() ? placed.get(p) : null;
            Outcome refused = ReassignmentCheck.refusal(topicName, p, current, target, brokerCount, allowRfChange);
            if (refused != null) {
                out.put(p, refused);
            } else if (target != null && !current.isReassigning() && target.equals(current.getReplicas())) {
                out.put(p, Outcome.DONE);
            } else {
                toAsk.put(p, target);
            }
        });
        if (toAsk.isEmpty()) {
            return out;
        }
        String id = UUID.randomUUID().toString().substring(0, 8);
        String objectName = topic.get().getMetadata().getName();
        try {
            annotate(objectName, id, toAsk);
        } catch (KubernetesClientException e) {
            toAsk.keySet().forEach(p -> out.put(p, new Outcome(Errors.UNKNOWN_SERVER_ERROR,
                    "could not hand the reassignment to the operator (" + e.getMessage() + ")")));
            return out;
        }
        boolean answered = awaitAnswer(topicName, id);
        toAsk.keySet().forEach(p -> out.put(p, answered ? Outcome.DONE : new Outcome(Errors.REQUEST_TIMED_OUT,
                "the operator did not record reassignment request " + id + " on Topic " + objectName + " within "
                        + timeoutMs + " ms; is it running?")));
        LOG.infof("reassignment request %s for topic %s: %s -> %s", id, topicName, describe(toAsk), out);
        return out;
    }

    @Override
    public Map<String, List<Ongoing>> list(Map<String, List<Integer>> asked) {
        Map<String, List<Ongoing>> out = new TreeMap<>();
        for (Topic t : topics.list()) {
            if (t.getMetadata().getDeletionTimestamp() != null || t.getStatus() == null
                    || t.getStatus().getPartitions() == null) {
                continue;
            }
            String name = t.getStatus().getTopicName() != null ? t.getStatus().getTopicName() : t.topicName();
            if (asked != null && !asked.containsKey(name)) {
                continue;
            }
            List<Integer> partitions = asked == null ? null : asked.get(name);
            List<Ongoing> ongoing = new ArrayList<>();
            for (PartitionStatus p : t.getStatus().getPartitions()) {
                if (p.isReassigning() && (partitions == null || partitions.contains(p.getPartition()))) {
                    ongoing.add(new Ongoing(p.getPartition(), List.copyOf(p.getReplicas()),
                            List.copyOf(p.getAddingReplicas()), List.copyOf(p.getRemovingReplicas())));
                }
            }
            if (!ongoing.isEmpty()) {
                out.put(name, ongoing);
            }
        }
        return out;
    }

    /**
     * A replace guarded by resourceVersion, retried on 409. A request the operator has not answered yet is merged
     * into ours (ours wins per partition) rather than overwritten, its id kept in the annotation's id list
     * ({@code <ours>,<theirs>}), which the operator answers as a whole.
     */
    private void annotate(String objectName, String id, Map<Integer, List<Integer>> targets) {
        for (int attempt = 1; ; attempt++) {
            Topic t = client.resources(Topic.class).inNamespace(namespace).withName(objectName).get();
            if (t == null) {
                throw new KubernetesClientException("Topic " + objectName + " is gone");
            }
            Map<String, String> annotations = t.getMetadata().getAnnotations() == null ? new HashMap<>()
                    : new LinkedHashMap<>(t.getMetadata().getAnnotations());
            Map<Integer, List<Integer>> merged = new LinkedHashMap<>();
            String ids = id;
            String previous = annotations.get(Labels.REASSIGN);
            if (previous != null && (t.getStatus() == null
                    || !idOf(previous).equals(t.getStatus().getReassignmentRequest()))) {
                // Not answered yet: carried along, ids included, so its waiter sees its id in the answer.
                merged.putAll(parse(previous));
                ids = id + "," + idOf(previous);
            }
            merged.putAll(targets);
            annotations.put(Labels.REASSIGN, ids + ";" + describe(merged));
            t.getMetadata().setAnnotations(annotations);
            try {
                client.resource(t).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= WRITE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private boolean awaitAnswer(String topicName, String id) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            long seen;
            synchronized (changed) {
                seen = changes;
            }
            Optional<Topic> topic = find(topicName);
            if (topic.isPresent() && topic.get().getStatus() != null) {
                // Ours was answered, alone or merged into a later request (whose id list carries ours).
                String answered = topic.get().getStatus().getReassignmentRequest();
                if (answered != null && List.of(answered.split(",")).contains(id)) {
                    return true;
                }
            } else if (topic.isEmpty()) {
                return false;
            }
            try {
                synchronized (changed) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (leftMs <= 0) {
                        return false;
                    }
                    if (changes == seen) {
                        changed.wait(leftMs);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** {@code <p>=<b>,<b>;<p>=...}: the annotation's body after the id. */
    static String describe(Map<Integer, List<Integer>> targets) {
        return targets.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue() == null ? ""
                        : e.getValue().stream().map(String::valueOf).collect(Collectors.joining(","))))
                .collect(Collectors.joining(";"));
    }

    private static String idOf(String value) {
        int semi = value.indexOf(';');
        return semi < 0 ? value : value.substring(0, semi);
    }

    /** The entries of an annotation value; an empty list (a cancel) comes back as null, as the request had it. */
    static Map<Integer, List<Integer>> parse(String value) {
        Map<Integer, List<Integer>> out = new LinkedHashMap<>();
        String[] parts = value.split(";", -1);
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                continue;
            }
            try {
                List<Integer> target = new ArrayList<>();
                for (String b : parts[i].substring(eq + 1).split(",")) {
                    if (!b.isBlank()) {
                        target.add(Integer.parseInt(b.trim()));
                    }
                }
                out.put(Integer.parseInt(parts[i].substring(0, eq).trim()), target.isEmpty() ? null : target);
            } catch (NumberFormatException e) {
                // Not written by a broker; dropped.
            }
        }
        return out;
    }

    private Optional<Topic> find(String name) {
        return topics.list().stream().filter(t -> t.getMetadata().getDeletionTimestamp() == null
                && (name.equals(t.topicName()) || (t.getStatus() != null && name.equals(t.getStatus().getTopicName()))))
                .findFirst();
    }
}
