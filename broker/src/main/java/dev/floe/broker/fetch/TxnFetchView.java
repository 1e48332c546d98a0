package dev.floe.broker.fetch;

import dev.floe.tier.txn.AbortedTxn;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.tier.TieringService;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.message.FetchResponseData;

import java.io.IOException;
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
        return toResponse(log.abortedTransactions(fetchOffset, log.lastStableOffset()));
    }

    /**
     * The same for records read from object storage: uploaded segments lie below the LSO, so the range ends with
     * the last batch returned, and the transactions come from the uploaded txn indexes (and the local log's).
     */
    static List<FetchResponseData.AbortedTransaction> abortedRemote(TieringService tier, TopicPartition tp,
                                                                     PartitionLog log, long fetchOffset,
                                                                     MemoryRecords records) throws IOException {
        long upTo = -1;
        for (RecordBatch batch : records.batches()) {
            upTo = batch.lastOffset() + 1;
        }
        if (upTo < 0) {
            return List.of();
        }
        return toResponse(tier.abortedTransactions(tp, log, fetchOffset, upTo));
    }

    private static List<FetchResponseData.AbortedTransaction> toResponse(List<AbortedTxn> txns) {
        List<FetchResponseData.AbortedTransaction> out = new ArrayList<>(txns.size());
        for (AbortedTxn txn : txns) {
            out.add(new FetchResponseData.AbortedTransaction().setProducerId(txn.producerId())
                    .setFirstOffset(txn.firstOffset()));
        }
        return out;
    }
}
