package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * EndTxn: commit or abort. The answer comes once the markers are on every partition and the transaction is
 * complete, so the producer's next transaction never waits on CONCURRENT_TRANSACTIONS retries. From v5 on
 * (transactions v2) the transaction ends at a bumped epoch and the answer carries the producer id and epoch the
 * producer continues with.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequestData> {
    /** The first EndTxn version of transactions v2. */
    static final short EPOCH_BUMP_VERSION = 5;
    private final TransactionCoordinator coordinator;
    private final Executor io;

    public EndTxnHandler(TransactionCoordinator coordinator, Executor io) {
        this.coordinator = coordinator;
        this.io = io;
    }

    @Override
    public CompletionStage<EndTxnResponseData> handle(RequestContext ctx, EndTxnRequestData request) {
        if (!coordinator.coordinates(request.transactionalId())) {
            return CompletableFuture.completedFuture(new EndTxnResponseData()
                    .setErrorCode(Errors.NOT_COORDINATOR.code()).setProducerId(-1).setProducerEpoch((short) -1));
        }
        boolean bump = ctx.apiVersion() >= EPOCH_BUMP_VERSION;
        // Off the event loop: exhausted epochs allocate a new producer id, which may write the metadata file.
        return CompletableFuture.supplyAsync(() -> coordinator.endTxn(request.transactionalId(),
                        request.producerId(), request.producerEpoch(), request.committed(), bump), io)
                .thenCompose(f -> f)
                .thenApply(r -> new EndTxnResponseData().setErrorCode(r.error().code())
                        .setProducerId(r.producerId()).setProducerEpoch(r.epoch()));
    }
}
