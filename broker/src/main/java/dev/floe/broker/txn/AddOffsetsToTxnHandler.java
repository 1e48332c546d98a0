package dev.floe.broker.txn;

import dev.floe.broker.group.OffsetStore;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * AddOffsetsToTxn: the group's {@code __consumer_offsets} partition joins the transaction, so the transaction's
 * marker lands there too and makes the offsets committed with TxnOffsetCommit visible (or drops them).
 */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequestData> {
    private final TransactionCoordinator coordinator;
    private final OffsetStore offsets;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator, OffsetStore offsets) {
        this.coordinator = coordinator;
        this.offsets = offsets;
    }

    @Override
    public CompletionStage<AddOffsetsToTxnResponseData> handle(RequestContext ctx, AddOffsetsToTxnRequestData request) {
        if (!coordinator.coordinates(request.transactionalId())) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(Errors.NOT_COORDINATOR.code()));
        }
        TopicPartition tp = new TopicPartition(OffsetStore.TOPIC, offsets.partitionFor(request.groupId()));
        return coordinator.addPartitions(request.transactionalId(), request.producerId(), request.producerEpoch(),
                List.of(tp)).thenApply(error -> new AddOffsetsToTxnResponseData().setErrorCode(error.code()));
    }
}
