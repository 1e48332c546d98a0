package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The fetchers of one broker: one per leader broker it follows partitions of, each with one connection and one
 * thread, multiplexing all partitions from that leader in each Fetch. The thread count is therefore bounded by the
 * number of other brokers, and a slow or dead leader stalls only the partitions it leads.
 */
public final class ReplicaFetchers implements FollowerLinks, AutoCloseable {
    private final int localId;
    private final IntFunction<ClusterView.BrokerEndpoint> endpoints;
    private final ReplicaFetcher.Settings settings;
    private final Map<Integer, ReplicaFetcher> bySource = new HashMap<>();
    private final Map<TopicPartition, Integer> sourceOf = new HashMap<>();

    public ReplicaFetchers(int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, int maxWaitMs, int maxBytes,
                           int partitionMaxBytes, int backoffMs, int socketTimeoutMs) {
        this.localId = localId;
        this.endpoints = endpoints;
        this.settings = new ReplicaFetcher.Settings(maxWaitMs, maxBytes, partitionMaxBytes, backoffMs,
                socketTimeoutMs);
    }

    /** A broker's Lease changed (it is back, or renewed): a fetcher backing off from it tries again now. */
    public synchronized void leaseChanged(int brokerId) {
        ReplicaFetcher fetcher = bySource.get(brokerId);
        if (fetcher != null) {
            fetcher.wake();
        }
    }

    @Override
    public synchronized void follow(PartitionReplica replica, int leaderId, int leaderEpoch) {
        TopicPartition tp = replica.topicPartition();
        Integer before = sourceOf.put(tp, leaderId);
        if (before != null && before != leaderId) {
            bySource.get(before).remove(tp);
        }
        bySource.computeIfAbsent(leaderId, id -> {
            ReplicaFetcher fetcher = new ReplicaFetcher(id, localId, endpoints, settings);
            fetcher.start();
            return fetcher;
        }).add(replica, leaderEpoch);
    }

    @Override
    public synchronized void unfollow(TopicPartition tp) {
        Integer source = sourceOf.remove(tp);
        if (source != null) {
            bySource.get(source).remove(tp);
        }
    }

    @Override
    public synchronized void close() {
        bySource.values().forEach(ReplicaFetcher::stop);
        bySource.clear();
        sourceOf.clear();
    }
}
