package dev.floe.broker.cluster;

import java.util.List;

/**
 * What this broker tells clients about the cluster: the live brokers and who leads each partition.
 * Standalone mode has one broker leading everything; cluster mode fills this from Kubernetes.
 */
public interface ClusterView {

    record BrokerEndpoint(int nodeId, String host, int port, String rack) {
    }

    /**
     * @param adding replicas a reassignment is adding (they copy the partition and may be throttled while they
     *               catch up); empty when none is under way
     */
    record PartitionAssignment(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                               List<Integer> adding) {
        public PartitionAssignment(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr) {
            this(leader, leaderEpoch, replicas, isr, List.of());
        }
    }

    int localNodeId();

    String clusterId();

    int controllerId();

    List<BrokerEndpoint> brokers();

    PartitionAssignment assignment(String topic, int partition);

    /**
     * host:port of broker {@code nodeId}'s HTTP API as it last advertised it, or null when unknown (standalone has
     * no other broker).
     */
    default String httpAddress(int nodeId) {
        return null;
    }

    /** Broker {@code nodeId}'s Kafka address as it last advertised it, live or not; null when never seen. */
    default BrokerEndpoint lastKnownEndpoint(int nodeId) {
        return brokers().stream().filter(b -> b.nodeId() == nodeId).findFirst().orElse(null);
    }

    default boolean isLocalLeader(String topic, int partition) {
        return assignment(topic, partition).leader() == localNodeId();
    }
}
