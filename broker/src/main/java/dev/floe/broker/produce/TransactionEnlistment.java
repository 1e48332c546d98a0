package dev.floe.broker.produce;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * Transactions v2 (KIP-890): a transactional write (Produce v12+, TxnOffsetCommit v5+) adds its partitions to the
 * producer's open transaction itself, since the client no longer sends AddPartitionsToTxn. The write is appended
 * only once this answers NONE; any other answer is the error for the write, already in the form the request's
 * client expects. Kept behind an interface so the produce path knows nothing of the coordinator.
 */
public interface TransactionEnlistment {
    /** For a broker without a transaction coordinator: such a write cannot join a transaction. */
    TransactionEnlistment UNAVAILABLE = (id, producerId, epoch, partitions) ->
            CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);

    CompletableFuture<Errors> enlist(String transactionalId, long producerId, short epoch,
                                     Collection<TopicPartition> partitions);
}
