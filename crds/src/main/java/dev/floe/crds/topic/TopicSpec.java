package dev.floe.crds.topic;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.LinkedHashMap;
import java.util.Map;

public class TopicSpec {
    @Required
    @Min(1)
    @Max(10000)
    @ValidationRule(value = "self >= oldSelf", message = "partitions may grow but never shrink")
    @JsonPropertyDescription("Number of partitions. May grow, never shrink.")
    private int partitions;

    @Min(1)
    @Default("1")
    @JsonPropertyDescription("Replicas per partition; at most the number of brokers.")
    private int replicationFactor = 1;

    @JsonPropertyDescription("Topic configs by their Kafka names (retention.ms, local.retention.ms, segment.bytes, "
            + "remote.storage.enable, ...). Unknown or unsupported names are refused.")
    private Map<String, String> config = new LinkedHashMap<>();

    @Pattern("^[a-zA-Z0-9._-]{1,249}$")
    @ValidationRule(value = "self == oldSelf", message = "topicName cannot change")
    @JsonPropertyDescription("The Kafka topic name, when it differs from the resource name (for names Kubernetes "
            + "cannot hold, such as ones with '_' or upper case).")
    private String topicName;

    public int getPartitions() {
        return partitions;
    }

    public void setPartitions(int partitions) {
        this.partitions = partitions;
    }

    public int getReplicationFactor() {
        return replicationFactor;
    }

    public void setReplicationFactor(int replicationFactor) {
        this.replicationFactor = replicationFactor;
    }

    public Map<String, String> getConfig() {
        return config;
    }

    public void setConfig(Map<String, String> config) {
        this.config = config;
    }

    public String getTopicName() {
        return topicName;
    }

    public void setTopicName(String topicName) {
        this.topicName = topicName;
    }
}
