package dev.floe.broker.cluster;

import java.util.List;

/** One broker that leads every partition at leader epoch 0. */
public final class StandaloneClusterView implements ClusterView {
    private final BrokerEndpoint self;
    private final String clusterId;
    private final PartitionAssignment assignment;

    public StandaloneClusterView(int nodeId, String host, int port, String clusterId) {
        this.self = new BrokerEndpoint(nodeId, host, port, null);
        this.clusterId = clusterId;
        this.assignment = new PartitionAssignment(nodeId, 0, List.of(nodeId), List.of(nodeId));
    }

    @Override
    public int localNodeId() {
        return self.nodeId();
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    @Override
    public int controllerId() {
        return self.nodeId();
    }

    @Override
    public List<BrokerEndpoint> brokers() {
        return List.of(self);
    }

    @Override
    public PartitionAssignment assignment(String topic, int partition) {
        return assignment;
    }
}
