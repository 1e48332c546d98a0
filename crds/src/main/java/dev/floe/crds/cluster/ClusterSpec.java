package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

import java.util.LinkedHashMap;
import java.util.Map;

@ValidationRule(value = "!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
        message = "minReplicas must not exceed maxReplicas")
@ValidationRule(value = "!has(self.autoscaling) || !self.autoscaling.enabled || (has(self.minReplicas) && has(self.maxReplicas))",
        message = "autoscaling needs both minReplicas and maxReplicas")
public class ClusterSpec {
    @SpecReplicas
    @Min(1)
    @Max(256)
    @Default("3")
    @JsonPropertyDescription("Number of brokers. Broker ids are the StatefulSet ordinals 0..replicas-1.")
    private int replicas = 3;

    @Min(1)
    @JsonPropertyDescription("Lower bound of replicas: the autoscaler never goes below it, and a replicas below it is "
            + "refused. Required with autoscaling.")
    private Integer minReplicas;

    @Min(1)
    @JsonPropertyDescription("Upper bound of replicas: the autoscaler never goes above it, and a replicas above it is "
            + "refused. Required with autoscaling.")
    private Integer maxReplicas;

    @JsonPropertyDescription("Broker container image; the operator's default (its FLOE_OPERATOR_BROKER_IMAGE, set by "
            + "the Helm chart) when unset, so upgrading the operator can upgrade the brokers.")
    private String image;

    @JsonPropertyDescription("CPU and memory requests and limits of each broker container.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("The volume that holds each broker's hot log.")
    private StorageSpec storage = new StorageSpec();

    @JsonPropertyDescription("Object storage for sealed segments. Without it every segment stays on the brokers' disks.")
    private ObjectStorageSpec objectStorage;

    @JsonPropertyDescription("Broker settings by their Floe name without the 'floe.' prefix, e.g. "
            + "'defaults.num-partitions: \"6\"' or 'tier.upload-interval: 5s'. See docs/configuration.md.")
    private Map<String, String> config = new LinkedHashMap<>();

    @JsonPropertyDescription("Ports of the broker listeners.")
    private ListenersSpec listeners = new ListenersSpec();

    @Min(1)
    @Default("3")
    @JsonPropertyDescription("Replication factor of the internal __consumer_offsets topic, capped by the broker "
            + "count when the operator creates it. Kafka's offsets.topic.replication.factor.")
    private int offsetsTopicReplicationFactor = 3;

    @JsonPropertyDescription("Leader failover and preferred-leader rebalancing.")
    private LeadershipSpec leadership = new LeadershipSpec();

    @JsonPropertyDescription("Set replicas from the brokers' load, between minReplicas and maxReplicas. Off unless "
            + "enabled; see docs/autoscaling.md.")
    private AutoscalingSpec autoscaling;

    public int getReplicas() {
        return replicas;
    }

    public void setReplicas(int replicas) {
        this.replicas = replicas;
    }

    public Integer getMinReplicas() {
        return minReplicas;
    }

    public void setMinReplicas(Integer minReplicas) {
        this.minReplicas = minReplicas;
    }

    public Integer getMaxReplicas() {
        return maxReplicas;
    }

    public void setMaxReplicas(Integer maxReplicas) {
        this.maxReplicas = maxReplicas;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public StorageSpec getStorage() {
        return storage;
    }

    public void setStorage(StorageSpec storage) {
        this.storage = storage;
    }

    public ObjectStorageSpec getObjectStorage() {
        return objectStorage;
    }

    public void setObjectStorage(ObjectStorageSpec objectStorage) {
        this.objectStorage = objectStorage;
    }

    public Map<String, String> getConfig() {
        return config;
    }

    public void setConfig(Map<String, String> config) {
        this.config = config;
    }

    public ListenersSpec getListeners() {
        return listeners;
    }

    public void setListeners(ListenersSpec listeners) {
        this.listeners = listeners;
    }

    public int getOffsetsTopicReplicationFactor() {
        return offsetsTopicReplicationFactor;
    }

    public void setOffsetsTopicReplicationFactor(int offsetsTopicReplicationFactor) {
        this.offsetsTopicReplicationFactor = offsetsTopicReplicationFactor;
    }

    public LeadershipSpec getLeadership() {
        return leadership;
    }

    public void setLeadership(LeadershipSpec leadership) {
        this.leadership = leadership;
    }

    public AutoscalingSpec getAutoscaling() {
        return autoscaling;
    }

    public void setAutoscaling(AutoscalingSpec autoscaling) {
        this.autoscaling = autoscaling;
    }
}
