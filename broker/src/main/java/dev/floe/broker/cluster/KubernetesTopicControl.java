package dev.floe.broker.cluster;

import dev.floe.crds.common.Conditions;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.Topic;
import dev.floe.broker.topic.TopicChangeException;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicRegistry;
import dev.floe.broker.topic.TopicService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.Store;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A client's topic change in cluster mode: written to the Topic resource (the source of truth), then awaited until
 * the operator has accepted it and the change has reached this broker, so the client's next request sees it.
 * Every call here blocks, so the broker runs them on its own bounded control executor, never on the I/O threads;
 * a wait wakes on the events that can end it (a registry change, a Topic resource update), not on a timer.
 */
public final class KubernetesTopicControl implements TopicService.ControlPlane {
    private static final Logger LOG = Logger.getLogger(KubernetesTopicControl.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String cluster;
    private final Store<Topic> topics;
    private final TopicRegistry registry;
    private final long timeoutMs;
    private final Object changed = new Object();
    private long changes;
    private final java.util.function.IntSupplier brokerCount;

    public KubernetesTopicControl(KubernetesClient client, String namespace, String cluster, Store<Topic> topics,
                                  TopicRegistry registry, long timeoutMs, java.util.function.IntSupplier brokerCount) {
        this.brokerCount = brokerCount;
        this.client = client;
        this.namespace = namespace;
        this.cluster = cluster;
        this.topics = topics;
        this.registry = registry;
        this.timeoutMs = timeoutMs;
        registry.addListener((before, after) -> onChange());
    }

    /** Something a waiter may be waiting for happened: the registry or a Topic resource changed. */
    public void onChange() {
        synchronized (changed) {
            changes++;
            changed.notifyAll();
        }
    }

    @Override
    public int brokerCount() {
        return brokerCount.getAsInt();
    }

    @Override
    public TopicInfo create(String name, int partitions, int replicationFactor, Map<String, String> configs)
            throws TopicChangeException {
        Topic topic = new Topic();
        topic.setMetadata(new ObjectMetaBuilder().withName(TopicResourceNames.objectName(name)).withNamespace(namespace)
                .addToLabels(Labels.CLUSTER, cluster).build());
        topic.getSpec().setPartitions(partitions);
        topic.getSpec().setReplicationFactor(replicationFactor);
        topic.getSpec().setConfig(new LinkedHashMap<>(configs));
        if (!TopicResourceNames.isValidObjectName(name)) {
            topic.getSpec().setTopicName(name);
        }
        try {
            client.resources(Topic.class).inNamespace(namespace).resource(topic).create();
            LOG.infof("created Topic %s/%s for Kafka topic %s (%d partitions, replication factor %d) on a client's "
                    + "request", namespace, topic.getMetadata().getName(), name, partitions, replicationFactor);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // Someone else created it first (another broker auto-creating, or kubectl): wait until it is
                // here too, then answer TOPIC_ALREADY_EXISTS as Kafka would.
                awaitRegistry(name, info -> info != null, "created");
                return null;
            }
            throw new TopicChangeException(Errors.UNKNOWN_SERVER_ERROR, "could not create Topic resource for '" + name
                    + "': " + e.getMessage());
        }
        return awaitRegistry(name, info -> info != null, "created");
    }

    @Override
    public TopicError delete(String name) throws TopicChangeException {
        Optional<Topic> topic = find(name);
        if (topic.isEmpty()) {
            return new TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        try {
            client.resources(Topic.class).inNamespace(namespace).withName(topic.get().getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            throw new TopicChangeException(Errors.UNKNOWN_SERVER_ERROR, "could not delete Topic resource "
                    + topic.get().getMetadata().getName() + ": " + e.getMessage());
        }
        awaitRegistry(name, info -> info == null, "deleted");
        return TopicError.NONE;
    }

    @Override
    public void increasePartitions(String name, int newCount) throws TopicChangeException {
        edit(name, t -> t.getSpec().setPartitions(newCount));
        awaitRegistry(name, info -> info != null && info.partitions() == newCount, "grown to " + newCount + " partitions");
    }

    @Override
    public void replaceConfigs(String name, Map<String, String> configs) throws TopicChangeException {
        edit(name, t -> t.getSpec().setConfig(new LinkedHashMap<>(configs)));
        awaitRegistry(name, info -> info != null && info.configs().equals(configs), "reconfigured");
    }

    private void edit(String name, java.util.function.Consumer<Topic> change) throws TopicChangeException {
        Topic topic = find(name).orElseThrow(() -> new TopicChangeException(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                "topic '" + name + "' does not exist"));
        try {
            client.resources(Topic.class).inNamespace(namespace).withName(topic.getMetadata().getName())
                    .edit(t -> {
                        change.accept(t);
                        return t;
                    });
        } catch (KubernetesClientException e) {
            throw new TopicChangeException(Errors.UNKNOWN_SERVER_ERROR, "could not update Topic resource "
                    + topic.getMetadata().getName() + ": " + e.getMessage());
        }
    }

    private Optional<Topic> find(String name) {
        return topics.list().stream().filter(t -> name.equals(t.topicName())
                || (t.getStatus() != null && name.equals(t.getStatus().getTopicName()))).findFirst();
    }

    /** Wait for the informer to bring the accepted change here, or for the operator to refuse it. */
    private TopicInfo awaitRegistry(String name, Predicate<TopicInfo> done, String what) throws TopicChangeException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            long seen;
            synchronized (changed) {
                seen = changes;
            }
            TopicInfo info = registry.get(name);
            if (done.test(info)) {
                return info;
            }
            Optional<Condition> refused = find(name).flatMap(t -> t.getStatus() == null ? Optional.empty()
                    : Conditions.find(t.getStatus().getConditions(), Conditions.READY))
                    .filter(c -> Conditions.FALSE.equals(c.getStatus()) && !"ClusterNotFound".equals(c.getReason()));
            if (refused.isPresent() && refused.get().getObservedGeneration() != null
                    && refused.get().getObservedGeneration().equals(find(name).get().getMetadata().getGeneration())) {
                throw new TopicChangeException(errorFor(refused.get().getReason()), "the operator refused topic '"
                        + name + "': " + refused.get().getMessage());
            }
            try {
                synchronized (changed) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (changes == seen && leftMs > 0) {
                        changed.wait(leftMs);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new TopicChangeException(Errors.REQUEST_TIMED_OUT, "topic '" + name + "' was not " + what + " within "
                + timeoutMs + " ms; is the Floe operator running? (kubectl describe topic in namespace " + namespace + ")");
    }

    private static Errors errorFor(String reason) {
        return switch (reason == null ? "" : reason) {
            case "InvalidConfig" -> Errors.INVALID_CONFIG;
            case "InvalidPartitions", "PartitionsCannotShrink" -> Errors.INVALID_PARTITIONS;
            case "ReplicationFactorTooLarge", "ReplicationNotSupported", "InvalidReplicationFactor" ->
                    Errors.INVALID_REPLICATION_FACTOR;
            case "InvalidTopicName" -> Errors.INVALID_TOPIC_EXCEPTION;
            case "TopicNameConflict" -> Errors.TOPIC_ALREADY_EXISTS;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }
}
