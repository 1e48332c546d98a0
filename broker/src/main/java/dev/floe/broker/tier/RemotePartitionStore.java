package dev.floe.broker.tier;

import dev.floe.broker.log.TimestampOffset;
import dev.floe.tier.txn.AbortedTxn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What the broker needs from object storage for one partition. The tiered-storage library implements the
 * storage; this port keeps the broker's orchestration independent of its classes.
 */
public interface RemotePartitionStore {

    /** Upload a sealed segment; idempotent, committed when its manifest is written last. */
    void upload(SealedSegment segment) throws IOException;

    /** Committed segments, oldest first. */
    List<RemoteSegmentRef> segments() throws IOException;

    /** Whole batches starting with the one that holds {@code offset}; at least one batch, about maxBytes. */
    ByteBuffer read(long offset, int maxBytes) throws IOException;

    /** First record at or after the timestamp, or null. */
    TimestampOffset offsetForTimestamp(long timestamp) throws IOException;

    void delete(RemoteSegmentRef segment) throws IOException;

    /** The log start offset DeleteRecords left in the bucket, as of the last {@link #segments()}; -1 if never moved. */
    long logStart();

    /** Move the bucket's log start up to {@code offset}, durably (DeleteRecords); returns the start now in force. */
    long advanceLogStart(long offset) throws IOException;

    /**
     * Aborted transactions overlapping [{@code from}, {@code upTo}) from the txn indexes uploaded with the segments;
     * {@code complete} when no later index can hold another (otherwise the local log's indexes hold the rest).
     * A store with no txn indexes has none to add.
     */
    default RemoteAbortedTxns abortedTransactions(long from, long upTo) throws IOException {
        return new RemoteAbortedTxns(List.of(), false);
    }

    /** What {@link #abortedTransactions} found. */
    record RemoteAbortedTxns(List<AbortedTxn> txns, boolean complete) {
    }

    /** The producer state uploaded with {@code segment} (as of its end), or null when there is none. */
    byte[] producerSnapshot(RemoteSegmentRef segment) throws IOException;

    /** The whole log of a committed segment (compaction filters it). */
    default ByteBuffer download(RemoteSegmentRef segment) throws IOException {
        throw new IOException("this store cannot compact remote segments");
    }

    /**
     * Replace a committed segment's records with a compaction of them (same offsets), committed atomically by its
     * manifest; empty {@code records} remove the segment. Returns the new reference, or null when removed.
     */
    default RemoteSegmentRef rewrite(RemoteSegmentRef segment, ByteBuffer records) throws IOException {
        throw new IOException("this store cannot compact remote segments");
    }

    /** Remove what interrupted rewrites left (objects of committed segments their manifest does not name). */
    default int collectRewriteGarbage() throws IOException {
        return 0;
    }
}
