package dev.floe.broker.produce;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * InitProducerId for idempotent producers: a fresh id at epoch 0, or the same id at the next epoch when a
 * producer asks to bump its epoch after an error. A request with a transactional id never reaches it: the
 * transaction coordinator answers those (see {@code dev.floe.broker.txn.TxnInitProducerIdHandler}).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private final ProducerIdAllocator ids;
    private final Executor io;

    public InitProducerIdHandler(ProducerIdAllocator ids, Executor io) {
        this.ids = ids;
        this.io = io;
    }

    @Override
    public CompletionStage<InitProducerIdResponseData> handle(RequestContext ctx, InitProducerIdRequestData request) {
        if (request.transactionalId() != null) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                    .setProducerId(-1).setProducerEpoch((short) -1));
        }
        if (request.producerId() >= 0 && request.producerEpoch() >= 0 && request.producerEpoch() < Short.MAX_VALUE - 1) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                    .setProducerId(request.producerId())
                    .setProducerEpoch((short) (request.producerEpoch() + 1)));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new InitProducerIdResponseData().setProducerId(ids.nextId()).setProducerEpoch((short) 0);
            } catch (IOException e) {
                return new InitProducerIdResponseData().setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())
                        .setProducerId(-1).setProducerEpoch((short) -1);
            }
        }, io);
    }
}
