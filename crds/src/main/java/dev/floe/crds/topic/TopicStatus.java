package dev.floe.crds.topic;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.floe.crds.common.HasConditions;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class TopicStatus implements HasConditions {
    private Long observedGeneration;

    @JsonPropertyDescription("The Kafka topic name this resource manages.")
    private String topicName;

    @JsonPropertyDescription("Kafka topic id (base64url UUID), fixed when the topic is first placed.")
    private String topicId;

    @JsonPropertyDescription("Placement and leadership of every partition.")
    private List<PartitionStatus> partitions = new ArrayList<>();

    @JsonPropertyDescription("The topic configs the brokers apply, as last accepted.")
    private Map<String, String> config;

    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public String getTopicName() {
        return topicName;
    }

    public void setTopicName(String topicName) {
        this.topicName = topicName;
    }

    public String getTopicId() {
        return topicId;
    }

    public void setTopicId(String topicId) {
        this.topicId = topicId;
    }

    public List<PartitionStatus> getPartitions() {
        return partitions;
    }

    public void setPartitions(List<PartitionStatus> partitions) {
        this.partitions = partitions;
    }

    public Map<String, String> getConfig() {
        return config;
    }

    public void setConfig(Map<String, String> config) {
        this.config = config;
    }

    @Override
    public List<Condition> getConditions() {
        return conditions;
    }

    @Override
    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }
}
