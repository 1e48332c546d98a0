package dev.floe.broker.replication;

import org.apache.kafka.common.TopicPartition;

/**
 * How much a follower may copy of a partition it is throttled for (a replica being moved here): the follower side
 * of the replication throttle. Kept as an interface so that the fetchers know nothing of where rates come from.
 */
public interface FollowerQuota {
    /** Nothing is throttled. */
    FollowerQuota NONE = new FollowerQuota() {
        @Override
        public int allowance(TopicPartition tp) {
            return Integer.MAX_VALUE;
        }

        @Override
        public void fetched(int bytes) {
        }
    };

    /** Bytes of {@code tp} to ask for now: {@link Integer#MAX_VALUE} when not throttled, 0 to leave it out. */
    int allowance(TopicPartition tp);

    /** {@code bytes} of a partition whose allowance was limited were appended. */
    void fetched(int bytes);
}
