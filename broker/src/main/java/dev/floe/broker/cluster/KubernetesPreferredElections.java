package dev.floe.broker.cluster;

import dev.floe.broker.election.PreferredElections;
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
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A preferred leader election asked of the operator: the request goes on the Topic as the annotation
 * {@code floe.dev/elect-preferred: <id>:<partitions>}; the operator elects and answers by setting
 * {@code status.preferredElection} to the same value. The wait wakes on Topic informer events, never on a timer.
 */
public final class KubernetesPreferredElections implements PreferredElections {
    private static final Logger LOG = Logger.getLogger(KubernetesPreferredElections.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Store<Topic> topics;
    private final long timeoutMs;
    private final Object changed = new Object();
    private long changes;

    public KubernetesPreferredElections(KubernetesClient client, String namespace, Store<Topic> topics, long timeoutMs) {
        this.client = client;
        this.namespace = namespace;
        this.topics = topics;
        this.timeoutMs = timeoutMs;
    }

    /** A Topic changed: a waiting request may have its answer. */
    public void onChange() {
        synchronized (changed) {
            changes++;
            changed.notifyAll();
        }
    }

    @Override
    public Map<Integer, Outcome> electPreferred(String topicName, List<Integer> partitions) {
        Map<Integer, Outcome> out = new TreeMap<>();
        Optional<Topic> topic = find(topicName);
        if (topic.isEmpty() || topic.get().getStatus() == null || topic.get().getStatus().getPartitions() == null) {
            for (int p : partitions == null ? List.<Integer>of() : partitions) {
                out.put(p, new Outcome(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topicName + "' does not exist"));
            }
            return out;
        }
        List<PartitionStatus> placed = topic.get().getStatus().getPartitions();
        List<Integer> asked = partitions != null ? partitions : IntStream.range(0, placed.size()).boxed().toList();
        List<Integer> toElect = new ArrayList<>();
        for (int p : asked) {
            if (p < 0 || p >= placed.size()) {
                out.put(p, new Outcome(Errors.UNKNOWN_TOPIC_OR_PARTITION, "no partition " + topicName + "-" + p));
            } else if (isPreferredLeading(placed.get(p))) {
                out.put(p, new Outcome(Errors.ELECTION_NOT_NEEDED, "the preferred replica "
                        + placed.get(p).getReplicas().get(0) + " already leads"));
            } else {
                toElect.add(p);
            }
        }
        if (toElect.isEmpty()) {
            return out;
        }
        String request = UUID.randomUUID().toString().substring(0, 8) + ":"
                + toElect.stream().map(String::valueOf).collect(Collectors.joining(","));
        String objectName = topic.get().getMetadata().getName();
        try {
            annotate(objectName, request);
        } catch (KubernetesClientException e) {
            for (int p : toElect) {
                out.put(p, new Outcome(Errors.UNKNOWN_SERVER_ERROR, "could not ask the operator for an election ("
                        + e.getMessage() + ")"));
            }
            return out;
        }
        Optional<Topic> answered = awaitAnswer(topicName, request);
        for (int p : toElect) {
            if (answered.isEmpty()) {
                out.put(p, new Outcome(Errors.REQUEST_TIMED_OUT, "the operator did not answer election request "
                        + request + " on Topic " + objectName + " within " + timeoutMs + " ms; is it running?"));
                continue;
            }
            PartitionStatus now = answered.get().getStatus().getPartitions().get(p);
            out.put(p, isPreferredLeading(now) ? Outcome.DONE : new Outcome(Errors.PREFERRED_LEADER_NOT_AVAILABLE,
                    "preferred replica " + (now.getReplicas().isEmpty() ? "-" : now.getReplicas().get(0))
                            + " is not live and in sync (isr " + now.getIsr() + ")"));
        }
        LOG.infof("preferred leader election %s for topic %s: %s", request, topicName, out);
        return out;
    }

    /**
     * A replace guarded by resourceVersion, retried on 409: the Topic is written by the operator and by leaders
     * all the time. (A PATCH would do without the retry, but fabric8's test API server hangs on some.)
     */
    private void annotate(String objectName, String request) {
        for (int attempt = 1; ; attempt++) {
            Topic t = client.resources(Topic.class).inNamespace(namespace).withName(objectName).get();
            if (t == null) {
                throw new KubernetesClientException("Topic " + objectName + " is gone");
            }
            Map<String, String> annotations = t.getMetadata().getAnnotations() == null ? new HashMap<>()
                    : new LinkedHashMap<>(t.getMetadata().getAnnotations());
            annotations.put(Labels.ELECT_PREFERRED, request);
            t.getMetadata().setAnnotations(annotations);
            try {
                client.resource(t).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static boolean isPreferredLeading(PartitionStatus p) {
        return !p.getReplicas().isEmpty() && p.getLeader() == p.getReplicas().get(0);
    }

    private Optional<Topic> awaitAnswer(String topicName, String request) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            long seen;
            synchronized (changed) {
                seen = changes;
            }
            Optional<Topic> topic = find(topicName);
            if (topic.isPresent() && topic.get().getStatus() != null
                    && request.equals(topic.get().getStatus().getPreferredElection())) {
                return topic;
            }
            try {
                synchronized (changed) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (leftMs <= 0) {
                        return Optional.empty();
                    }
                    if (changes == seen) {
                        changed.wait(leftMs);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    private Optional<Topic> find(String name) {
        return topics.list().stream().filter(t -> t.getMetadata().getDeletionTimestamp() == null
                && (name.equals(t.topicName()) || (t.getStatus() != null && name.equals(t.getStatus().getTopicName()))))
                .findFirst();
    }
}
