package dev.floe.broker.cluster;

import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicRegistry;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.apache.kafka.common.Uuid;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Topic resources → this broker's topic registry and leadership view. Only what the operator accepted counts: the
 * status (topic id, placement, configs), never the spec, so a refused change never reaches the data.
 */
public final class TopicResourceSync implements ResourceEventHandler<Topic> {
    private static final Logger LOG = Logger.getLogger(TopicResourceSync.class);

    private final TopicRegistry registry;
    private final KubernetesClusterView view;
    /** Removes this broker's data finalizer from a Topic being deleted; null where no API is at hand (tests). */
    private final Consumer<Topic> releaseFinalizer;

    public TopicResourceSync(TopicRegistry registry, KubernetesClusterView view, Consumer<Topic> releaseFinalizer) {
        this.registry = registry;
        this.view = view;
        this.releaseFinalizer = releaseFinalizer;
    }

    @Override
    public void onAdd(Topic topic) {
        if (topic.getMetadata().getDeletionTimestamp() != null) {
            deleted(topic);
        } else {
            apply(topic);
        }
    }

    @Override
    public void onUpdate(Topic before, Topic after) {
        onAdd(after);
    }

    /**
     * Gone for good: every finalizer, ours included, was removed, so the deletion was already observed (as a
     * deletionTimestamp) and acted on; deleting again is a no-op. A delete of a Topic that never carried our
     * finalizer (created before finalizers existed) is an observed delete too.
     */
    @Override
    public void onDelete(Topic topic, boolean finalStateUnknown) {
        deleteLocal(topic);
    }

    /**
     * After the first full list, local topics that no Topic names are only reported, never deleted: a list can miss
     * a Topic for reasons that say nothing about the data (a backup restored without status, a label changed, a
     * Topic recreated by hand). Data goes only on an observed delete: a Topic of ours carrying a deletionTimestamp,
     * which our finalizer guarantees we see even after being down.
     */
    public void reportTopicsMissingFrom(Iterable<Topic> current) {
        Set<String> known = new java.util.HashSet<>();
        for (Topic t : current) {
            if (t.getStatus() != null && t.getStatus().getTopicName() != null) {
                known.add(t.getStatus().getTopicName());
            }
        }
        for (String orphan : registry.all().stream().map(TopicInfo::name).filter(n -> !known.contains(n))
                .collect(Collectors.toList())) {
            LOG.warnf("local topic %s has data on this broker but no Topic resource names it; its data is kept. "
                    + "Recreate the Topic to serve it again, or delete its directory by hand", orphan);
        }
    }

    /** Marked for deletion: drop the local data, then let the deletion proceed as far as this broker goes. */
    private void deleted(Topic topic) {
        if (deleteLocal(topic) && releaseFinalizer != null) {
            releaseFinalizer.accept(topic);
        }
    }

    private boolean deleteLocal(Topic topic) {
        TopicStatus status = topic.getStatus();
        String name = status != null && status.getTopicName() != null ? status.getTopicName() : topic.topicName();
        view.placementRemoved(name);
        try {
            if (registry.delete(name) != null) {
                LOG.infof("deleted topic %s and its local data: Topic %s/%s was deleted", name,
                        topic.getMetadata().getNamespace(), topic.getMetadata().getName());
            }
            return true;
        } catch (IOException e) {
            LOG.errorf("Topic %s was deleted but its local data could not be removed: %s; its finalizer stays",
                    name, e.getMessage());
            return false;
        }
    }

    private void apply(Topic topic) {
        TopicStatus status = topic.getStatus();
        if (status == null || status.getTopicId() == null || status.getTopicName() == null
                || status.getPartitions() == null || status.getPartitions().isEmpty()) {
            return;
        }
        Map<String, String> configs = new LinkedHashMap<>(status.getConfig() == null ? Map.of() : status.getConfig());
        TopicInfo info = new TopicInfo(status.getTopicName(), Uuid.fromString(status.getTopicId()),
                status.getPartitions().size(), configs);
        try {
            TopicInfo before = registry.get(info.name());
            registry.put(info);
            view.placementChanged(info.name(), status.getPartitions());
            if (before == null || !before.equals(info)) {
                LOG.infof("topic %s (id %s): %d partitions, configs %s, from Topic %s/%s", info.name(), info.topicId(),
                        info.partitions(), configs, topic.getMetadata().getNamespace(), topic.getMetadata().getName());
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf("could not apply Topic %s/%s to the local log: %s", topic.getMetadata().getNamespace(),
                    topic.getMetadata().getName(), e.getMessage());
        }
    }
}
