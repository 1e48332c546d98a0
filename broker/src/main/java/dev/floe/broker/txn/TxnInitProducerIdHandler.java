package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * InitProducerId: a request with a transactional id goes to the transaction coordinator (epoch bump, fencing);
 * one without is an idempotent producer and goes to the plain handler.
 */
public final class TxnInitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private final ApiHandler<InitProducerIdRequestData> idempotent;
    private final TransactionCoordinator coordinator;
    private final Executor io;

    public TxnInitProducerIdHandler(ApiHandler<InitProducerIdRequestData> idempotent,
                                    TransactionCoordinator coordinator, Executor io) {
        this.idempotent = idempotent;
        this.coordinator = coordinator;
        this.io = io;
    }

    @Override
    public CompletionStage<? extends ApiMessage> handle(RequestContext ctx, InitProducerIdRequestData request) {
        String id = request.transactionalId();
        if (id == null) {
            return idempotent.handle(ctx, request);
        }
        // Allocating a producer id may write the metadata file: off the event loop.
        return CompletableFuture.supplyAsync(() -> coordinator.initProducerId(id, request.transactionTimeoutMs(),
                        request.producerId(), request.producerEpoch()), io)
                .thenCompose(f -> f)
                .thenApply(r -> new InitProducerIdResponseData().setErrorCode(r.error().code())
                        .setProducerId(r.producerId()).setProducerEpoch(r.epoch()));
    }
}
