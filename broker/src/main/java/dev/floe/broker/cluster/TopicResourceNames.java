package dev.floe.broker.cluster;

import dev.floe.crds.common.Names;

/**
 * Kafka topic names allow '_' and upper case; Kubernetes object names do not. The mapping lives in the crds module
 * ({@link Names#topicObjectName}) because the operator creates internal topics' Topic resources under the same names.
 */
public final class TopicResourceNames {
    private TopicResourceNames() {
    }

    public static boolean isValidObjectName(String topic) {
        return Names.isValidTopicObjectName(topic);
    }

    public static String objectName(String topic) {
        return Names.topicObjectName(topic);
    }
}
