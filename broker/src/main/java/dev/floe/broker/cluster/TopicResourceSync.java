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
import java.util.stream.Collectors;

/**
 * Topic resources → this broker's topic registry and leadership view. Only what the operator accepted counts: the
 * status (topic id, placement, configs), never the spec, so a refused change never reaches the data.
 */
public final class TopicResourceSync implements ResourceEventHandler<Topic> {
    private static final Logger LOG = Logger.getLogger(TopicResourceSync.class);

    private final TopicRegistry registry;
    private final KubernetesClusterView view;

    public TopicResourceSync(TopicRegistry registry, KubernetesClusterView view) {
        this.registry = registry;
        this.view = view;
    }

    @Override
    public void onAdd(Topic topic) {
        apply(topic);
    }

    @Override
    public void onUpdate(Topic before, Topic after) {
        apply(after);
    }

    @Override
    public void onDelete(Topic topic, boolean finalStateUnknown) {
        TopicStatus status = topic.getStatus();
        String name = status != null && status.getTopicName() != null ? status.getTopicName() : topic.topicName();
        view.placementRemoved(name);
        try {
            if (registry.delete(name) != null) {
                LOG.infof("deleted topic %s and its local data: Topic %s/%s was deleted", name,
                        topic.getMetadata().getNamespace(), topic.getMetadata().getName());
            }
        } catch (IOException e) {
            LOG.errorf("Topic %s was deleted but its local data could not be removed: %s", name, e.getMessage());
        }
    }

    /** After the first full list: topics deleted while this broker was down lose their local data now. */
    public void removeTopicsMissingFrom(Iterable<Topic> current) {
        Set<String> known = new java.util.HashSet<>();
        for (Topic t : current) {
            if (t.getStatus() != null && t.getStatus().getTopicName() != null) {
                known.add(t.getStatus().getTopicName());
            }
        }
        for (String stale : registry.all().stream().map(TopicInfo::name).filter(n -> !known.contains(n))
                .collect(Collectors.toList())) {
            try {
                registry.delete(stale);
                LOG.infof("deleted local topic %s: no Topic resource names it any more", stale);
            } catch (IOException e) {
                LOG.errorf("could not delete stale local topic %s: %s", stale, e.getMessage());
            }
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
