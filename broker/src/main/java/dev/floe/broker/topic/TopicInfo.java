package dev.floe.broker.topic;

import org.apache.kafka.common.Uuid;

import java.util.Map;

/** A topic as the broker knows it: name, id, partition count and its config overrides. */
public record TopicInfo(String name, Uuid topicId, int partitions, Map<String, String> configs) {

    public TopicInfo {
        configs = Map.copyOf(configs);
    }

    public boolean internal() {
        return TopicNames.isInternal(name);
    }

    public TopicInfo withPartitions(int count) {
        return new TopicInfo(name, topicId, count, configs);
    }

    public TopicInfo withConfigs(Map<String, String> newConfigs) {
        return new TopicInfo(name, topicId, partitions, newConfigs);
    }
}
