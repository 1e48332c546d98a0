package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * EndTxn: commit or abort. The answer comes once the markers are on every partition and the transaction is
 * complete, so the producer's next transaction never waits on CONCURRENT_TRANSACTIONS retries.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequestData> {
    private final TransactionCoordinator coordinator;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletionStage<EndTxnResponseData> handle(RequestContext ctx, EndTxnRequestData request) {
        if (!coordinator.coordinates(request.transactionalId())) {
            return CompletableFuture.completedFuture(new EndTxnResponseData().setErrorCode(Errors.NOT_COORDINATOR.code()));
        }
        return coordinator.endTxn(request.transactionalId(), request.producerId(), request.producerEpoch(),
                request.committed()).thenApply(error -> new EndTxnResponseData().setErrorCode(error.code())
                .setProducerId(-1).setProducerEpoch((short) -1));
    }
}
