package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;

/**
 * How a session names one of its partitions. A session that uses topic ids (Fetch v13+) knows its partitions by id
 * alone, since the name of an id may be unknown for a while; a session of names (v7-v12) by name alone, its ids all
 * zero. The unused half of the key is always null or zero, so record equality is the right equality.
 */
public record PartitionKey(Uuid topicId, String topic, int partition) {

    static PartitionKey of(boolean usesTopicIds, Uuid topicId, String topic, int partition) {
        return usesTopicIds ? new PartitionKey(topicId, null, partition) : new PartitionKey(Uuid.ZERO_UUID, topic, partition);
    }
}
