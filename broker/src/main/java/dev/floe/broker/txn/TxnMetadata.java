package dev.floe.broker.txn;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * The in-memory state of one transactional id, and the records of its transitions. The coordinator holds the
 * object's monitor for every read and change; a transition takes effect only through {@link #apply} once its
 * record is durable.
 *
 * <p>Epochs (transactions v2, KIP-890): every EndTxn from a v2 client moves the producer to the next epoch in its
 * Prepare* record, so the markers carry the new epoch and a late write of the old one is refused by the
 * partitions. At the last usable epoch a fresh producer id is allocated instead: the markers still go out under
 * the old id (at its final epoch), and Complete* switches to the new id at epoch 0.
 */
final class TxnMetadata {
    /** Kafka's limit: an epoch at or above this cannot be bumped again, the producer id must change. */
    static final short LAST_USABLE_EPOCH = Short.MAX_VALUE - 1;
    static final byte TV1 = 1;
    static final byte TV2 = 2;

    final String id;
    long producerId;
    short epoch;
    /** The epoch before the latest bump (by fencing, timeout or a v2 EndTxn): a retry may still carry it. */
    short lastEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    long previousProducerId = RecordBatch.NO_PRODUCER_ID;
    long nextProducerId = RecordBatch.NO_PRODUCER_ID;
    /** {@link #TV2} when the latest EndTxn came from a v2 client and bumped the epoch itself. */
    byte transactionVersion;
    int timeoutMs;
    TxnState state;
    Set<TopicPartition> partitions = new LinkedHashSet<>();
    long startTimestamp = -1;
    long lastUpdate;
    boolean pending;
    ScheduledFuture<?> timeout;

    TxnMetadata(String id) {
        this.id = id;
    }

    static boolean isEpochExhausted(short epoch) {
        return epoch >= LAST_USABLE_EPOCH;
    }

    /** This id's state with a new state, partitions and times; ids and epochs unchanged. */
    TxnRecord record(TxnState next, Set<TopicPartition> parts, long start, long now) {
        return new TxnRecord(id, producerId, epoch, timeoutMs, next, Set.copyOf(new LinkedHashSet<>(parts)), start,
                now, lastEpoch, previousProducerId, nextProducerId, transactionVersion);
    }

    /** A fresh (or re-initialised) producer for this id: Empty at {@code newEpoch}. */
    TxnRecord initialised(long newProducerId, short newEpoch, int newTimeoutMs, long now) {
        boolean newId = newProducerId != producerId;
        // An epoch of the old id means nothing under the new one.
        return new TxnRecord(id, newProducerId, newEpoch, newTimeoutMs, TxnState.EMPTY, Set.of(), -1, now,
                newId ? RecordBatch.NO_PRODUCER_EPOCH : lastEpoch, newId ? producerId : previousProducerId,
                RecordBatch.NO_PRODUCER_ID, transactionVersion);
    }

    /**
     * Prepare{Commit,Abort} at {@code newEpoch}. A v2 EndTxn passes the next epoch (and, when epochs ran out, the
     * producer id to move to); a fencing or timed-out abort the next epoch with {@link #TV1}, so the fenced
     * producer's own EndTxn is refused rather than treated as a retry.
     */
    TxnRecord prepareEnd(boolean commit, short newEpoch, long next, byte version, long now) {
        short last = newEpoch != epoch ? epoch : lastEpoch;
        return new TxnRecord(id, producerId, newEpoch, timeoutMs,
                commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT, Set.copyOf(partitions), startTimestamp,
                now, last, previousProducerId, next, version);
    }

    /** Complete{Commit,Abort} once every marker is down; moves to the next producer id when one was allocated. */
    TxnRecord complete(boolean commit, long now) {
        TxnState done = commit ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
        if (nextProducerId >= 0) {
            return new TxnRecord(id, nextProducerId, (short) 0, timeoutMs, done, Set.of(), -1, now,
                    RecordBatch.NO_PRODUCER_EPOCH, producerId, RecordBatch.NO_PRODUCER_ID, transactionVersion);
        }
        return new TxnRecord(id, producerId, epoch, timeoutMs, done, Set.of(), -1, now, lastEpoch,
                previousProducerId, RecordBatch.NO_PRODUCER_ID, transactionVersion);
    }

    /** Take the state of a durable record (timers are the coordinator's business). */
    void apply(TxnRecord r) {
        producerId = r.producerId();
        epoch = r.epoch();
        lastEpoch = r.lastProducerEpoch();
        previousProducerId = r.previousProducerId();
        nextProducerId = r.nextProducerId();
        transactionVersion = r.transactionVersion();
        timeoutMs = r.timeoutMs();
        state = r.state();
        partitions = new LinkedHashSet<>(r.partitions());
        startTimestamp = r.startTimestamp();
        lastUpdate = r.lastUpdateTimestamp();
    }

    /**
     * A v2 EndTxn at {@code requestEpoch} that this state already answers: the transaction it ended bumped the
     * epoch to the request's + 1, or moved to a new producer id from the request's exhausted one.
     */
    boolean endedByRetriedRequest(long requestProducerId, short requestEpoch) {
        if (transactionVersion != TV2) {
            return false;
        }
        if (requestProducerId == producerId) {
            return epoch == requestEpoch + 1;
        }
        return requestProducerId == previousProducerId && requestEpoch == LAST_USABLE_EPOCH && epoch == 0
                && (state == TxnState.COMPLETE_COMMIT || state == TxnState.COMPLETE_ABORT);
    }

    TransactionCoordinator.TxnView view() {
        return new TransactionCoordinator.TxnView(id, producerId, epoch, timeoutMs, state, Set.copyOf(partitions),
                startTimestamp, lastUpdate);
    }
}
