package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** DescribeTransactions ({@code kafka-transactions.sh describe}): state, epoch, timeout, start and partitions. */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequestData> {
    private final TransactionCoordinator coordinator;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletionStage<DescribeTransactionsResponseData> handle(RequestContext ctx,
                                                                    DescribeTransactionsRequestData request) {
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
        for (String id : request.transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState out =
                    new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id);
            response.transactionStates().add(out);
            if (!coordinator.coordinates(id)) {
                out.setErrorCode(Errors.NOT_COORDINATOR.code());
                continue;
            }
            TransactionCoordinator.TxnView txn = coordinator.describe(id);
            if (txn == null) {
                out.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
                continue;
            }
            out.setTransactionState(txn.state().kafkaName()).setTransactionTimeoutMs(txn.timeoutMs())
                    .setTransactionStartTimeMs(txn.startTimestamp()).setProducerId(txn.producerId())
                    .setProducerEpoch(txn.epoch());
            for (TopicPartition tp : txn.partitions()) {
                DescribeTransactionsResponseData.TopicData topic = out.topics().find(tp.topic());
                if (topic == null) {
                    topic = new DescribeTransactionsResponseData.TopicData().setTopic(tp.topic());
                    out.topics().add(topic);
                }
                topic.partitions().add(tp.partition());
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
