package dev.floe.broker.txn;

import dev.floe.broker.produce.TransactionEnlistment;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The implicit AddPartitionsToTxn of transactions v2, against this broker's own coordinator. Errors are put the
 * way Kafka puts them to a producing client: a fenced producer sees INVALID_PRODUCER_EPOCH (what a partition says
 * to a stale epoch), and a coordinator that is busy with the id (CONCURRENT_TRANSACTIONS, a write of several
 * requests' partitions in flight) is first waited out here, briefly, then reported as the retriable
 * NOT_ENOUGH_REPLICAS, which makes every client retry the write without a metadata refresh.
 *
 * <p>Only a coordinator on this broker is reached: an id coordinated elsewhere gets NOT_ENOUGH_REPLICAS too (its
 * client retries) — cluster mode finalizes transaction.version 1, so v2 clients do not come there.
 */
final class CoordinatorEnlistment implements TransactionEnlistment {
    private static final Logger LOG = Logger.getLogger(CoordinatorEnlistment.class);
    private static final long BUSY_RETRY_MS = 10;
    private static final int BUSY_RETRIES = 50;

    private final TransactionCoordinator coordinator;
    private final ScheduledExecutorService scheduler;
    private final Executor io;

    CoordinatorEnlistment(TransactionCoordinator coordinator, ScheduledExecutorService scheduler, Executor io) {
        this.coordinator = coordinator;
        this.scheduler = scheduler;
        this.io = io;
    }

    @Override
    public CompletableFuture<Errors> enlist(String transactionalId, long producerId, short epoch,
                                            Collection<TopicPartition> partitions) {
        if (transactionalId == null) {
            return CompletableFuture.completedFuture(Errors.TRANSACTIONAL_ID_NOT_FOUND);
        }
        if (!coordinator.coordinates(transactionalId)) {
            LOG.debugf("transactional id %s is coordinated by another broker; implicit enlistment needs it here",
                    transactionalId);
            return CompletableFuture.completedFuture(Errors.NOT_ENOUGH_REPLICAS);
        }
        CompletableFuture<Errors> out = new CompletableFuture<>();
        attempt(transactionalId, producerId, epoch, List.copyOf(partitions), 0, out);
        return out;
    }

    private void attempt(String id, long producerId, short epoch, List<TopicPartition> partitions, int tries,
                         CompletableFuture<Errors> out) {
        coordinator.addPartitions(id, producerId, epoch, partitions).whenComplete((error, t) -> {
            if (t != null) {
                out.completeExceptionally(t);
            } else if (error == Errors.CONCURRENT_TRANSACTIONS && tries < BUSY_RETRIES) {
                scheduler.schedule(() -> io.execute(() -> attempt(id, producerId, epoch, partitions, tries + 1, out)),
                        BUSY_RETRY_MS, TimeUnit.MILLISECONDS);
            } else {
                out.complete(forProducer(error));
            }
        });
    }

    static Errors forProducer(Errors error) {
        return switch (error) {
            case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
            case CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR ->
                    Errors.NOT_ENOUGH_REPLICAS;
            default -> error;
        };
    }
}
