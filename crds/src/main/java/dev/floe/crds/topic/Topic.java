package dev.floe.crds.topic;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A Kafka topic of one Floe cluster (label {@code floe.dev/cluster}). The resource is the source of truth: topics
 * created by {@code kubectl apply}, by a client's CreateTopics and by auto-creation all end up as one of these.
 */
@Group(Topic.GROUP)
@Version(Topic.VERSION)
@ShortNames({"ft", "floetopic"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".metadata.labels.floe\\.dev/cluster",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Partitions", jsonPath = ".spec.partitions", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Replication factor", jsonPath = ".spec.replicationFactor",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Topic extends CustomResource<TopicSpec, TopicStatus> implements Namespaced {
    public static final String GROUP = "floe.dev";
    public static final String VERSION = "v1alpha1";

    /** The Kafka topic name: {@code spec.topicName} when set, else the resource name. */
    public String topicName() {
        TopicSpec spec = getSpec();
        return spec != null && spec.getTopicName() != null && !spec.getTopicName().isEmpty()
                ? spec.getTopicName() : getMetadata().getName();
    }

    @Override
    protected TopicSpec initSpec() {
        return new TopicSpec();
    }

    @Override
    protected TopicStatus initStatus() {
        return new TopicStatus();
    }
}
