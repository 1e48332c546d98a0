package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    private final MeterRegistry registry;
    private final FollowerQuota quota;
    /** Bytes this broker copied from leaders as a follower, per topic: what moving a replica here cost. */
    private final Map<String, Counter> fetchedBytes = new ConcurrentHashMap<>();

    public ReplicaFetchers(int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, int maxWaitMs, int maxBytes,
                           int partitionMaxBytes, int backoffMs, int socketTimeoutMs) {
        this(localId, endpoints, maxWaitMs, maxBytes, partitionMaxBytes, backoffMs, socketTimeoutMs, null);
    }

    /** @param registry where {@code floe.replication.fetch.bytes} (per topic) is kept; null for none */
    public ReplicaFetchers(int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, int maxWaitMs, int maxBytes,
                           int partitionMaxBytes, int backoffMs, int socketTimeoutMs, MeterRegistry registry) {
        this(localId, endpoints, maxWaitMs, maxBytes, partitionMaxBytes, backoffMs, socketTimeoutMs, registry,
                FollowerQuota.NONE);
    }

    /** @param quota the follower side of the replication throttle, shared by every fetcher of this broker */
    public ReplicaFetchers(int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, int maxWaitMs, int maxBytes,
                           int partitionMaxBytes, int backoffMs, int socketTimeoutMs, MeterRegistry registry,
                           FollowerQuota quota) {
        this.quota = quota;
        this.registry = registry;
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
            ReplicaFetcher fetcher = new ReplicaFetcher(id, localId, endpoints, settings, this::fetched, quota);
            fetcher.start();
            return fetcher;
        }).add(replica, leaderEpoch);
    }

    private void fetched(String topic, int bytes) {
        if (registry == null) {
            return;
        }
        fetchedBytes.computeIfAbsent(topic, t -> Counter.builder("floe.replication.fetch.bytes").tag("topic", t)
                .baseUnit("bytes").description("Record batch bytes this broker appended as a follower, fetched from "
                        + "partition leaders").register(registry)).increment(bytes);
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
