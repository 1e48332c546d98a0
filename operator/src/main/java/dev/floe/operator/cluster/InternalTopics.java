package dev.floe.operator.cluster;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicConfigCatalog;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Topic of {@code __consumer_offsets}, created by the operator before the brokers start so that its
 * replication factor is the Cluster's {@code offsetsTopicReplicationFactor} (capped by the broker count, as Kafka
 * does for a small cluster) rather than whatever the first broker to need it would pick. The partition count and
 * configs are the ones a broker would use ({@code offsets-topic-partitions} in the Cluster's config, default 50).
 */
public final class InternalTopics {
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    static final int DEFAULT_OFFSETS_PARTITIONS = 50;

    private InternalTopics() {
    }

    public static Topic consumerOffsets(Cluster cluster) {
        Topic topic = new Topic();
        topic.setMetadata(new ObjectMetaBuilder().withName(Names.topicObjectName(CONSUMER_OFFSETS))
                .withNamespace(cluster.getMetadata().getNamespace())
                .addToLabels(Labels.CLUSTER, cluster.getMetadata().getName()).build());
        topic.getSpec().setTopicName(CONSUMER_OFFSETS);
        topic.getSpec().setPartitions(offsetsPartitions(cluster));
        topic.getSpec().setReplicationFactor(offsetsReplicationFactor(cluster));
        Map<String, String> config = new LinkedHashMap<>();
        // As the broker would create it: offsets are kept (latest per key wins) and never tiered.
        config.put(TopicConfigCatalog.RETENTION_MS, "-1");
        config.put(TopicConfigCatalog.REMOTE_STORAGE_ENABLE, "false");
        topic.getSpec().setConfig(config);
        return topic;
    }

    public static int offsetsReplicationFactor(Cluster cluster) {
        return Math.max(1, Math.min(cluster.getSpec().getOffsetsTopicReplicationFactor(),
                cluster.getSpec().getReplicas()));
    }

    static int offsetsPartitions(Cluster cluster) {
        Map<String, String> config = cluster.getSpec().getConfig();
        String value = config == null ? null : config.get("offsets-topic-partitions");
        try {
            return value == null ? DEFAULT_OFFSETS_PARTITIONS : Math.max(1, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return DEFAULT_OFFSETS_PARTITIONS;
        }
    }
}
