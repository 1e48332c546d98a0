package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * ListTransactions ({@code kafka-transactions.sh list}): the transactional ids this broker coordinates, filtered
 * by state names, producer ids, minimum running time (v1) and an id regular expression (v2), as in Kafka.
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequestData> {
    private final TransactionCoordinator coordinator;

    public ListTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletionStage<ListTransactionsResponseData> handle(RequestContext ctx, ListTransactionsRequestData request) {
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        Set<TxnState> states = new HashSet<>();
        for (String name : request.stateFilters()) {
            TxnState state = TxnState.ofKafkaName(name);
            if (state == null) {
                response.unknownStateFilters().add(name);
            } else {
                states.add(state);
            }
        }
        Set<Long> producers = new HashSet<>(request.producerIdFilters());
        Pattern pattern = null;
        if (request.transactionalIdPattern() != null && !request.transactionalIdPattern().isEmpty()) {
            try {
                pattern = Pattern.compile(request.transactionalIdPattern());
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
            }
        }
        long now = System.currentTimeMillis();
        for (TransactionCoordinator.TxnView txn : coordinator.all()) {
            if (!states.isEmpty() && !states.contains(txn.state())) {
                continue;
            }
            if (!producers.isEmpty() && !producers.contains(txn.producerId())) {
                continue;
            }
            if (request.durationFilter() >= 0 && (txn.state() != TxnState.ONGOING
                    || now - txn.startTimestamp() < request.durationFilter())) {
                continue;
            }
            if (pattern != null && !pattern.matcher(txn.transactionalId()).matches()) {
                continue;
            }
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(txn.transactionalId()).setProducerId(txn.producerId())
                    .setTransactionState(txn.state().kafkaName()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
