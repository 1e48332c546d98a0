package dev.floe.broker.fetch;

import dev.floe.broker.log.AbortedTxn;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadResult;
import org.apache.kafka.common.message.FetchResponseData;

import java.util.ArrayList;
import java.util.List;

/**
 * What a read_committed fetch adds to a partition's answer: the aborted transactions that overlap the records
 * returned, so the consumer can drop their records (it keeps the rest, and skips the markers).
 */
final class TxnFetchView {
    static final byte READ_COMMITTED = 1;

    private TxnFetchView() {
    }

    static List<FetchResponseData.AbortedTransaction> aborted(PartitionLog log, long fetchOffset, ReadResult read) {
        if (read.slice().sizeInBytes() == 0) {
            return List.of();
        }
        // The returned bytes end at or before the LSO, so the LSO bounds the transactions that can overlap them.
        List<AbortedTxn> txns = log.abortedTransactions(fetchOffset, log.lastStableOffset());
        List<FetchResponseData.AbortedTransaction> out = new ArrayList<>(txns.size());
        for (AbortedTxn txn : txns) {
            out.add(new FetchResponseData.AbortedTransaction().setProducerId(txn.producerId())
                    .setFirstOffset(txn.firstOffset()));
        }
        return out;
    }
}
