package dev.floe.crds.topic;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.floe.crds.common.ConditionedStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class TopicStatus extends ConditionedStatus {
    @JsonPropertyDescription("The Kafka topic name this resource manages.")
    private String topicName;

    @JsonPropertyDescription("Kafka topic id (base64url UUID), fixed when the topic is first placed.")
    private String topicId;

    @JsonPropertyDescription("Placement and leadership of every partition.")
    private List<PartitionStatus> partitions = new ArrayList<>();

    @JsonPropertyDescription("The topic configs the brokers apply, as last accepted.")
    private Map<String, String> config;

    @JsonPropertyDescription("The last floe.dev/elect-preferred annotation value the operator acted on: a preferred "
            + "leader election (Kafka's ElectLeaders) is done when this equals the annotation.")
    private String preferredElection;

    @JsonPropertyDescription("The id of the last floe.dev/reassign annotation the operator acted on: a partition "
            + "reassignment request (Kafka's AlterPartitionReassignments) is recorded when this equals its id.")
    private String reassignmentRequest;

    public String getReassignmentRequest() {
        return reassignmentRequest;
    }

    public void setReassignmentRequest(String reassignmentRequest) {
        this.reassignmentRequest = reassignmentRequest;
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

    public String getPreferredElection() {
        return preferredElection;
    }

    public void setPreferredElection(String preferredElection) {
        this.preferredElection = preferredElection;
    }
}
