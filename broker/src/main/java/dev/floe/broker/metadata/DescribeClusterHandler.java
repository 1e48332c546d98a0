package dev.floe.broker.metadata;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** DescribeCluster: the cluster id, the controller and the live brokers. */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequestData> {
    private final ClusterView cluster;

    public DescribeClusterHandler(ClusterView cluster) {
        this.cluster = cluster;
    }

    @Override
    public CompletionStage<DescribeClusterResponseData> handle(RequestContext ctx, DescribeClusterRequestData request) {
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.controllerId())
                .setClusterAuthorizedOperations(Integer.MIN_VALUE);
        for (ClusterView.BrokerEndpoint b : cluster.brokers()) {
            response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                    .setBrokerId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
