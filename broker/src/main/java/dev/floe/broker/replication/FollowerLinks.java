package dev.floe.broker.replication;

import org.apache.kafka.common.TopicPartition;

/** The fetchers, as the replica manager drives them: follow a partition from its leader, or stop. */
public interface FollowerLinks {
    /** Fetch {@code replica}'s partition from broker {@code leaderId}, truncating first (a new epoch began). */
    void follow(PartitionReplica replica, int leaderId, int leaderEpoch);

    void unfollow(TopicPartition tp);

    FollowerLinks NONE = new FollowerLinks() {
        @Override
        public void follow(PartitionReplica replica, int leaderId, int leaderEpoch) {
        }

        @Override
        public void unfollow(TopicPartition tp) {
        }
    };
}
