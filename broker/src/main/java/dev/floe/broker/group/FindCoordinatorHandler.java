package dev.floe.broker.group;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * FindCoordinator: a group's coordinator is the leader of its offsets-topic partition, a transactional id's the
 * leader of its transaction-state partition.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
    private static final byte GROUP = 0;
    private static final byte TRANSACTION = 1;
    private final ClusterView cluster;
    private final OffsetStore offsets;
    private final String txnTopic;
    private final java.util.function.ToIntFunction<String> txnPartitionFor;

    public FindCoordinatorHandler(ClusterView cluster, OffsetStore offsets) {
        this(cluster, offsets, null, null);
    }

    /** With the transaction-state topic and how a transactional id maps to its partition. */
    public FindCoordinatorHandler(ClusterView cluster, OffsetStore offsets, String txnTopic,
                                  java.util.function.ToIntFunction<String> txnPartitionFor) {
        this.cluster = cluster;
        this.offsets = offsets;
        this.txnTopic = txnTopic;
        this.txnPartitionFor = txnPartitionFor;
    }

    @Override
    public CompletionStage<FindCoordinatorResponseData> handle(RequestContext ctx, FindCoordinatorRequestData request) {
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (ctx.apiVersion() < 4) {
            FindCoordinatorResponseData.Coordinator c = locate(request.key(), request.keyType());
            return CompletableFuture.completedFuture(response.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
                    .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port()));
        }
        List<String> keys = request.coordinatorKeys();
        for (String key : keys) {
            response.coordinators().add(locate(key, request.keyType()));
        }
        return CompletableFuture.completedFuture(response);
    }

    private FindCoordinatorResponseData.Coordinator locate(String key, byte keyType) {
        FindCoordinatorResponseData.Coordinator c = new FindCoordinatorResponseData.Coordinator().setKey(key)
                .setNodeId(-1).setHost("").setPort(-1);
        boolean txn = keyType == TRANSACTION && txnTopic != null;
        if (keyType != GROUP && !txn) {
            return c.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("unknown coordinator key type " + keyType);
        }
        var assignment = txn ? cluster.assignment(txnTopic, txnPartitionFor.applyAsInt(key))
                : cluster.assignment(OffsetStore.TOPIC, offsets.partitionFor(key));
        for (ClusterView.BrokerEndpoint b : cluster.brokers()) {
            if (b.nodeId() == assignment.leader()) {
                return c.setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port());
            }
        }
        return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                .setErrorMessage("the coordinator of " + (txn ? "transactional id '" : "group '") + key
                        + "' has no leader right now");
    }
}
