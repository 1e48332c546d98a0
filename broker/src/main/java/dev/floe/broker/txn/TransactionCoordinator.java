package dev.floe.broker.txn;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.produce.ProducerIdAllocator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Kafka's transaction coordinator, transactions v1 and v2 (KIP-890): one state machine per transactional id, each
 * change made durable in {@code __transaction_state} before it is answered. Which version a request follows is
 * its API version's business: EndTxn v5 bumps the epoch (see {@link TxnMetadata}), below v5 it does not; partitions
 * come from AddPartitionsToTxn (v1) or implicitly from the partitions' writes ({@link CoordinatorEnlistment}, v2).
 *
 * <p>Empty/Complete* --AddPartitions/AddOffsets--&gt; Ongoing --EndTxn--&gt; PrepareCommit|PrepareAbort
 * --markers on every partition--&gt; CompleteCommit|CompleteAbort. InitProducerId bumps the epoch, which fences the
 * previous producer of the id; if that producer left a transaction open, it is aborted first (at the bumped epoch,
 * so the zombie's late writes are refused by the partitions too) and the new producer is told to retry. An open
 * transaction older than its timeout is aborted the same way, by a task on the broker scheduler armed when it
 * began. At start-up a Prepare* state is carried to its end and an overdue Ongoing one is aborted.
 *
 * <p>Each id's state is guarded by its own lock; while a write for it is in flight ({@code pending}) other
 * requests for the id get CONCURRENT_TRANSACTIONS, which clients retry.
 */
public final class TransactionCoordinator {
    private static final Logger LOG = Logger.getLogger(TransactionCoordinator.class);
    private static final long PENDING_RETRY_MS = 200;
    private static final long COMPLETE_RETRY_MS = 1_000;

    /** EndTxn's answer: with transactions v2, the producer id and epoch the producer continues with. */
    public record EndResult(Errors error, long producerId, short epoch) {
        static EndResult failed(Errors error) {
            return new EndResult(error, -1, (short) -1);
        }
    }

    public record InitResult(Errors error, long producerId, short epoch) {
        static InitResult failed(Errors error) {
            return new InitResult(error, -1, (short) -1);
        }
    }

    /** A read-only copy of one transactional id's state (DescribeTransactions, ListTransactions). */
    public record TxnView(String transactionalId, long producerId, short epoch, int timeoutMs, TxnState state,
                          Set<TopicPartition> partitions, long startTimestamp, long lastUpdateTimestamp) {
    }

    private final Map<String, TxnMetadata> txns = new ConcurrentHashMap<>();
    private final TxnStateLog log;
    private final TxnMarkerWriter markers;
    private final ProducerIdAllocator ids;
    private final ScheduledExecutorService scheduler;
    private final Executor io;
    private final int maxTimeoutMs;
    private final TxnMetrics metrics;
    private volatile Predicate<String> coordinates = id -> true;

    TransactionCoordinator(TxnStateLog log, TxnMarkerWriter markers, ProducerIdAllocator ids,
                           ScheduledExecutorService scheduler, Executor io, int maxTimeoutMs, TxnMetrics metrics) {
        this.log = log;
        this.markers = markers;
        this.ids = ids;
        this.scheduler = scheduler;
        this.io = io;
        this.maxTimeoutMs = maxTimeoutMs;
        this.metrics = metrics;
    }

    /** In cluster mode only the leader of an id's state partition coordinates it. */
    void setCoordinates(Predicate<String> coordinates) {
        this.coordinates = coordinates;
    }

    public boolean coordinates(String transactionalId) {
        return coordinates.test(transactionalId);
    }

    /** Implicit AddPartitionsToTxn for transactions v2 writes (Produce v12+, TxnOffsetCommit v5+). */
    public dev.floe.broker.produce.TransactionEnlistment enlistment() {
        return new CoordinatorEnlistment(this, scheduler, io);
    }

    public TxnStateLog stateLog() {
        return log;
    }

    TxnMarkerWriter markers() {
        return markers;
    }

    /** Replay the state log and finish what a stop interrupted: Prepare* states complete, overdue ones abort. */
    void recover(LogManager logs) throws IOException {
        Map<String, TxnRecord> loaded = log.load(logs);
        int resumed = resume(loaded);
        if (resumed > 0 || !loaded.isEmpty()) {
            LOG.infof("transaction coordinator: %d transactional ids, %d transactions resumed", loaded.size(), resumed);
        }
    }

    /**
     * Take over transactional ids read from the state log (at start, or as the new leader of their partition):
     * a decided transaction (Prepare*) gets its markers written now, an open one its timeout armed again.
     * Returns how many decided transactions were resumed.
     */
    int resume(Map<String, TxnRecord> loaded) {
        int resumed = 0;
        for (TxnRecord r : loaded.values()) {
            TxnMetadata txn = new TxnMetadata(r.transactionalId());
            apply(txn, r);
            TxnMetadata before = txns.put(txn.id, txn);
            if (before != null) {
                cancelTimeout(before);
            }
            if (txn.state.isPrepare()) {
                resumed++;
                LOG.infof("transactional id %s was in %s under the previous coordinator; writing its markers now",
                        txn.id, txn.state.kafkaName());
                synchronized (txn) {
                    finish(txn, txn.state == TxnState.PREPARE_COMMIT);
                }
            }
        }
        return resumed;
    }

    /** State partition {@code partition} is led elsewhere now: its transactional ids belong to that coordinator. */
    void forget(int partition) {
        txns.values().removeIf(txn -> {
            if (log.partitionFor(txn.id) != partition) {
                return false;
            }
            cancelTimeout(txn);
            return true;
        });
    }

    private static void cancelTimeout(TxnMetadata txn) {
        synchronized (txn) {
            if (txn.timeout != null) {
                txn.timeout.cancel(false);
                txn.timeout = null;
            }
        }
    }

    public CompletableFuture<InitResult> initProducerId(String id, int timeoutMs, long requestPid, short requestEpoch) {
        if (timeoutMs <= 0 || timeoutMs > maxTimeoutMs) {
            return CompletableFuture.completedFuture(InitResult.failed(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        if (!coordinates(id)) {
            return CompletableFuture.completedFuture(InitResult.failed(Errors.NOT_COORDINATOR));
        }
        try {
            log.ensureExists();
        } catch (IOException | RuntimeException e) {
            LOG.errorf("cannot create %s: %s", TxnStateLog.TOPIC, e.getMessage());
            return CompletableFuture.completedFuture(InitResult.failed(Errors.COORDINATOR_NOT_AVAILABLE));
        }
        TxnMetadata txn = txns.get(id);
        if (txn == null) {
            TxnMetadata fresh = new TxnMetadata(id);
            try {
                fresh.producerId = ids.nextId();
            } catch (IOException e) {
                LOG.errorf("cannot allocate a producer id for %s: %s", id, e.getMessage());
                return CompletableFuture.completedFuture(InitResult.failed(Errors.COORDINATOR_NOT_AVAILABLE));
            }
            fresh.epoch = -1;
            fresh.timeoutMs = timeoutMs;
            fresh.state = TxnState.EMPTY;
            TxnMetadata raced = txns.putIfAbsent(id, fresh);
            txn = raced == null ? fresh : raced;
        }
        synchronized (txn) {
            if (txn.pending || txn.state.isPrepare()) {
                return CompletableFuture.completedFuture(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
            }
            boolean sameProducer = requestPid == txn.producerId
                    && (requestEpoch == txn.epoch || requestEpoch == txn.lastEpoch);
            // A v2 producer whose last EndTxn moved it to a new producer id may still present the exhausted one.
            boolean rotatedAway = requestPid == txn.previousProducerId && TxnMetadata.isEpochExhausted(requestEpoch);
            if (requestPid >= 0 && !sameProducer && !rotatedAway) {
                return CompletableFuture.completedFuture(InitResult.failed(Errors.PRODUCER_FENCED));
            }
            if (txn.state == TxnState.ONGOING) {
                // A new producer for an id with an open transaction: abort it at a bumped epoch (fencing the old
                // producer everywhere), and have the new one retry once the abort is complete.
                LOG.infof("transactional id %s re-initialised with a transaction open: aborting it and fencing "
                        + "producer %d epoch %d", id, txn.producerId, txn.epoch);
                metrics.fenced();
                abortWithBump(txn);
                return CompletableFuture.completedFuture(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
            }
            long pid = txn.producerId;
            short epoch;
            if (TxnMetadata.isEpochExhausted(txn.epoch)) {
                // Epochs exhausted: a fresh producer id starts again at 0, as in Kafka.
                try {
                    pid = ids.nextId();
                } catch (IOException e) {
                    return CompletableFuture.completedFuture(InitResult.failed(Errors.COORDINATOR_NOT_AVAILABLE));
                }
                epoch = 0;
            } else {
                epoch = (short) (txn.epoch + 1);
            }
            long now = System.currentTimeMillis();
            TxnRecord target = txn.initialised(pid, epoch, timeoutMs, now);
            final long newPid = pid;
            return persist(txn, target).thenApply(error -> error == Errors.NONE
                    ? new InitResult(Errors.NONE, newPid, epoch) : InitResult.failed(error));
        }
    }

    public CompletableFuture<Errors> addPartitions(String id, long producerId, short epoch,
                                                   Collection<TopicPartition> partitions) {
        TxnMetadata txn = txns.get(id);
        if (txn == null) {
            return CompletableFuture.completedFuture(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        synchronized (txn) {
            Errors invalid = checkProducer(txn, producerId, epoch);
            if (invalid != null) {
                return CompletableFuture.completedFuture(invalid);
            }
            if (txn.pending || txn.state.isPrepare()) {
                return CompletableFuture.completedFuture(Errors.CONCURRENT_TRANSACTIONS);
            }
            if (txn.state == TxnState.ONGOING && txn.partitions.containsAll(partitions)) {
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            long now = System.currentTimeMillis();
            Set<TopicPartition> merged = new LinkedHashSet<>();
            long start = now;
            if (txn.state == TxnState.ONGOING) {
                merged.addAll(txn.partitions);
                start = txn.startTimestamp;
            }
            merged.addAll(partitions);
            return persist(txn, txn.record(TxnState.ONGOING, merged, start, now));
        }
    }

    /**
     * AddPartitionsToTxn v4+ with verify_only (KIP-890 part 1): is each partition part of this producer's open
     * transaction? Nothing is changed.
     */
    public Map<TopicPartition, Errors> verify(String id, long producerId, short epoch,
                                              Collection<TopicPartition> partitions) {
        Map<TopicPartition, Errors> out = new java.util.LinkedHashMap<>();
        TxnMetadata txn = txns.get(id);
        Errors whole;
        Set<TopicPartition> included = Set.of();
        if (txn == null) {
            whole = Errors.INVALID_PRODUCER_ID_MAPPING;
        } else {
            synchronized (txn) {
                whole = checkProducer(txn, producerId, epoch);
                if (whole == null && txn.state == TxnState.ONGOING) {
                    included = Set.copyOf(txn.partitions);
                }
            }
        }
        for (TopicPartition tp : partitions) {
            out.put(tp, whole != null ? whole : included.contains(tp) ? Errors.NONE : Errors.INVALID_TXN_STATE);
        }
        return out;
    }

    /** EndTxn below v5 (transactions v1): the epoch stays; the answer is the error alone. */
    public CompletableFuture<Errors> endTxn(String id, long producerId, short epoch, boolean commit) {
        return endTxn(id, producerId, epoch, commit, false).thenApply(EndResult::error);
    }

    /**
     * EndTxn. With {@code bumpEpoch} (v5, transactions v2) the transaction ends at the next epoch, or under a new
     * producer id when the epochs are exhausted, and the answer carries the producer id and epoch to go on with.
     * A v2 EndTxn retried after it took effect (its epoch one below the current one) gets the completed outcome.
     * The caller must not be on an event loop: allocating a producer id may write to disk.
     */
    public CompletableFuture<EndResult> endTxn(String id, long producerId, short epoch, boolean commit,
                                               boolean bumpEpoch) {
        TxnMetadata txn = txns.get(id);
        if (txn == null) {
            return ended(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        synchronized (txn) {
            boolean retried = bumpEpoch && txn.endedByRetriedRequest(producerId, epoch);
            if (producerId != txn.producerId && !retried) {
                return ended(Errors.INVALID_PRODUCER_ID_MAPPING);
            }
            if (!retried && epoch != txn.epoch) {
                return ended(Errors.PRODUCER_FENCED);
            }
            if (txn.pending) {
                return ended(Errors.CONCURRENT_TRANSACTIONS);
            }
            return switch (txn.state) {
                // A retry of the EndTxn that ended the previous transaction, after the next one began: too late.
                case ONGOING -> retried ? ended(Errors.PRODUCER_FENCED) : endByClient(txn, commit, bumpEpoch);
                // A retried EndTxn: the first one is still writing markers, or has finished.
                case PREPARE_COMMIT -> ended(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
                case PREPARE_ABORT -> ended(!commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
                case COMPLETE_COMMIT -> commit ? current(txn) : ended(Errors.INVALID_TXN_STATE);
                case COMPLETE_ABORT -> !commit ? current(txn) : ended(Errors.INVALID_TXN_STATE);
                case EMPTY -> ended(Errors.INVALID_TXN_STATE);
            };
        }
    }

    /** Caller holds the lock. */
    private CompletableFuture<EndResult> endByClient(TxnMetadata txn, boolean commit, boolean bumpEpoch) {
        if (!bumpEpoch) {
            return end(txn, txn.prepareEnd(commit, txn.epoch, -1, TxnMetadata.TV1, now()))
                    .thenApply(error -> new EndResult(error, -1, (short) -1));
        }
        long next = -1;
        if (TxnMetadata.isEpochExhausted(txn.epoch)) {
            try {
                next = ids.nextId();
            } catch (IOException e) {
                LOG.errorf("cannot allocate a producer id for %s: %s", txn.id, e.getMessage());
                return ended(Errors.COORDINATOR_NOT_AVAILABLE);
            }
        }
        // The markers go out at the bumped epoch (the last one, Short.MAX_VALUE, when the id is about to change).
        short bumped = txn.epoch < Short.MAX_VALUE ? (short) (txn.epoch + 1) : txn.epoch;
        return end(txn, txn.prepareEnd(commit, bumped, next, TxnMetadata.TV2, now())).thenApply(error -> {
            if (error != Errors.NONE) {
                return EndResult.failed(error);
            }
            synchronized (txn) {
                return new EndResult(Errors.NONE, txn.producerId, txn.epoch);
            }
        });
    }

    private static CompletableFuture<EndResult> ended(Errors error) {
        return CompletableFuture.completedFuture(EndResult.failed(error));
    }

    private static CompletableFuture<EndResult> current(TxnMetadata txn) {
        return CompletableFuture.completedFuture(new EndResult(Errors.NONE, txn.producerId, txn.epoch));
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    public TxnView describe(String id) {
        TxnMetadata txn = txns.get(id);
        if (txn == null) {
            return null;
        }
        synchronized (txn) {
            return txn.view();
        }
    }

    public List<TxnView> all() {
        List<TxnView> out = new ArrayList<>();
        for (TxnMetadata txn : txns.values()) {
            synchronized (txn) {
                out.add(txn.view());
            }
        }
        return out;
    }

    private static CompletableFuture<Errors> done(Errors error) {
        return CompletableFuture.completedFuture(error);
    }

    static Errors checkProducer(TxnMetadata txn, long producerId, short epoch) {
        if (producerId != txn.producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (epoch != txn.epoch) {
            return Errors.PRODUCER_FENCED;
        }
        return null;
    }

    /** Abort the open transaction at the next epoch; the caller holds the lock and saw no write pending. */
    private void abortWithBump(TxnMetadata txn) {
        short bumped = txn.epoch < Short.MAX_VALUE ? (short) (txn.epoch + 1) : txn.epoch;
        end(txn, txn.prepareEnd(false, bumped, -1, TxnMetadata.TV1, now()));
    }

    /** PrepareCommit/PrepareAbort made durable, then the markers, then Complete*. Caller holds the lock. */
    private CompletableFuture<Errors> end(TxnMetadata txn, TxnRecord prepare) {
        boolean commit = prepare.state() == TxnState.PREPARE_COMMIT;
        return persist(txn, prepare).thenCompose(error -> {
            if (error != Errors.NONE) {
                return done(error);
            }
            synchronized (txn) {
                return finish(txn, commit);
            }
        });
    }

    /**
     * The decision is durable: write the markers, then the Complete* state. Nothing can stop a decided
     * transaction, so a failure to record Complete* is retried until it lands. Caller holds the lock.
     */
    private CompletableFuture<Errors> finish(TxnMetadata txn, boolean commit) {
        txn.pending = true;
        List<TopicPartition> parts = List.copyOf(txn.partitions);
        return markers.write(txn.producerId, txn.epoch, commit, parts, () -> coordinates(txn.id))
                .thenCompose(v -> completeRecord(txn, commit));
    }

    private CompletableFuture<Errors> completeRecord(TxnMetadata txn, boolean commit) {
        TxnRecord complete;
        synchronized (txn) {
            complete = txn.complete(commit, now());
        }
        return log.write(complete).thenCompose(error -> {
            if (error != Errors.NONE && !coordinates(txn.id)) {
                // Coordination moved to another broker, which replays the state log and finishes this itself.
                LOG.infof("stopped completing the transaction of %s here: this broker no longer coordinates it",
                        txn.id);
                return done(Errors.NOT_COORDINATOR);
            }
            if (error != Errors.NONE) {
                CompletableFuture<Errors> retried = new CompletableFuture<>();
                scheduler.schedule(() -> io.execute(() -> completeRecord(txn, commit).whenComplete((e, t) -> {
                    if (t != null) {
                        retried.completeExceptionally(t);
                    } else {
                        retried.complete(e);
                    }
                })), COMPLETE_RETRY_MS, TimeUnit.MILLISECONDS);
                return retried;
            }
            synchronized (txn) {
                txn.pending = false;
                apply(txn, complete);
            }
            metrics.completed(commit);
            return done(Errors.NONE);
        });
    }

    /** Write {@code target} and apply it once durable; the caller holds the lock and saw no write pending. */
    private CompletableFuture<Errors> persist(TxnMetadata txn, TxnRecord target) {
        txn.pending = true;
        return log.write(target).thenApply(error -> {
            synchronized (txn) {
                txn.pending = false;
                if (error == Errors.NONE) {
                    apply(txn, target);
                }
            }
            return error;
        });
    }

    private void apply(TxnMetadata txn, TxnRecord r) {
        boolean newlyOngoing = r.state() == TxnState.ONGOING
                && (txn.state != TxnState.ONGOING || txn.startTimestamp != r.startTimestamp());
        txn.apply(r);
        if (newlyOngoing) {
            armTimeout(txn);
        } else if (r.state() != TxnState.ONGOING && txn.timeout != null) {
            txn.timeout.cancel(false);
            txn.timeout = null;
        }
    }

    /** The transaction's deadline as a scheduled task, not a scan: it fires once, when the timeout is due. */
    private void armTimeout(TxnMetadata txn) {
        if (txn.timeout != null) {
            txn.timeout.cancel(false);
        }
        long start = txn.startTimestamp;
        long delay = Math.max(0, start + txn.timeoutMs - System.currentTimeMillis());
        txn.timeout = scheduler.schedule(() -> io.execute(() -> timedOut(txn, start)), delay, TimeUnit.MILLISECONDS);
    }

    private void timedOut(TxnMetadata txn, long start) {
        synchronized (txn) {
            if (txn.state != TxnState.ONGOING || txn.startTimestamp != start) {
                return;
            }
            if (txn.pending) {
                // An AddPartitions write is in flight; look again when it has surely landed.
                txn.timeout = scheduler.schedule(() -> io.execute(() -> timedOut(txn, start)), PENDING_RETRY_MS,
                        TimeUnit.MILLISECONDS);
                return;
            }
            LOG.infof("transaction of %s (producer %d epoch %d) exceeded its timeout of %d ms; aborting it", txn.id,
                    txn.producerId, txn.epoch, txn.timeoutMs);
            metrics.timedOut();
            txn.timeout = null;
            abortWithBump(txn);
        }
    }
}
