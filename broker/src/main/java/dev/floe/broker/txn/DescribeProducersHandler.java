package dev.floe.broker.txn;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * DescribeProducers ({@code kafka-transactions.sh describe-producers}, and the lookup behind {@code abort
 * --start-offset}): each partition's producers with epoch, last sequence and the start of an open transaction.
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
    private final LogManager logs;
    private final ClusterView cluster;

    public DescribeProducersHandler(LogManager logs, ClusterView cluster) {
        this.logs = logs;
        this.cluster = cluster;
    }

    @Override
    public CompletionStage<DescribeProducersResponseData> handle(RequestContext ctx, DescribeProducersRequestData request) {
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest t : request.topics()) {
            DescribeProducersResponseData.TopicResponse topic = new DescribeProducersResponseData.TopicResponse()
                    .setName(t.name());
            response.topics().add(topic);
            for (int p : t.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse out = new DescribeProducersResponseData.PartitionResponse()
                        .setPartitionIndex(p);
                topic.partitions().add(out);
                PartitionLog log = logs.log(new TopicPartition(t.name(), p));
                if (log == null) {
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                if (!cluster.isLocalLeader(t.name(), p)) {
                    out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                    continue;
                }
                for (var producer : log.producers()) {
                    out.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                            .setProducerId(producer.producerId()).setProducerEpoch(producer.epoch())
                            .setLastSequence(producer.lastSequence()).setLastTimestamp(producer.lastTimestamp())
                            .setCoordinatorEpoch(producer.txnFirstOffset() >= 0 ? TxnMarkerWriter.COORDINATOR_EPOCH : -1)
                            .setCurrentTxnStartOffset(producer.txnFirstOffset()));
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
