package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/**
 * What the request handlers ask of replication: may this broker serve this partition as its leader, how many
 * replicas are in sync, and when is an appended offset committed (acks=all). Standalone mode answers from the
 * one-replica world (every append is committed at once); cluster mode answers from {@link ReplicaManager}.
 */
public interface Replication {
    /** The client did not say which leader epoch it knows (Kafka's -1). */
    int NO_EPOCH = -1;

    /**
     * NONE when this broker leads {@code tp} now, else why not: NOT_LEADER_OR_FOLLOWER, or, when the client
     * named the epoch it knows, FENCED_LEADER_EPOCH (the client's is older) / UNKNOWN_LEADER_EPOCH (newer).
     */
    Errors checkLeader(TopicPartition tp, int clientLeaderEpoch);

    /** The leader epoch this broker serves {@code tp} in, -1 when it does not lead it. */
    int leaderEpoch(TopicPartition tp);

    /** In-sync replicas of a partition this broker leads (acks=all is refused below min.insync.replicas). */
    int inSyncReplicas(TopicPartition tp);

    /**
     * Completes when every offset below {@code requiredOffset} is below the high watermark: NONE, or
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the in-sync set shrank below {@code minInsync} meanwhile,
     * NOT_LEADER_OR_FOLLOWER when leadership was lost, REQUEST_TIMED_OUT after {@code timeoutMs}.
     */
    CompletableFuture<Errors> awaitCommitted(TopicPartition tp, long requiredOffset, int minInsync, long timeoutMs);

    /**
     * A follower (broker {@code replicaId}) fetches from {@code fetchOffset}, its log starting at
     * {@code followerLogStart}: NONE when this broker leads in the epoch the follower knows and the follower's
     * position was recorded; otherwise the error to answer.
     */
    default Errors followerFetched(TopicPartition tp, int replicaId, long fetchOffset, long followerLogStart,
                                   int followerEpoch) {
        return Errors.NOT_LEADER_OR_FOLLOWER;
    }

    /**
     * Completes when every in-sync replica's log start has reached {@code offset} (DeleteRecords): NONE,
     * NOT_LEADER_OR_FOLLOWER when leadership was lost, REQUEST_TIMED_OUT after {@code timeoutMs}. At once with one
     * replica.
     */
    default CompletableFuture<Errors> awaitLowWatermark(TopicPartition tp, long offset, long timeoutMs) {
        return CompletableFuture.completedFuture(Errors.NONE);
    }

    /** One replica per partition: whatever the cluster view says leads, and an append is committed at once. */
    static Replication singleReplica(ClusterView cluster) {
        return new Replication() {
            @Override
            public Errors checkLeader(TopicPartition tp, int clientLeaderEpoch) {
                return cluster.isLocalLeader(tp.topic(), tp.partition()) ? Errors.NONE : Errors.NOT_LEADER_OR_FOLLOWER;
            }

            @Override
            public int leaderEpoch(TopicPartition tp) {
                return cluster.assignment(tp.topic(), tp.partition()).leaderEpoch();
            }

            @Override
            public int inSyncReplicas(TopicPartition tp) {
                return 1;
            }

            @Override
            public CompletableFuture<Errors> awaitCommitted(TopicPartition tp, long requiredOffset, int minInsync,
                                                            long timeoutMs) {
                return CompletableFuture.completedFuture(Errors.NONE);
            }
        };
    }
}
