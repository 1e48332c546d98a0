package dev.floe.tier.txn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The one definition of an aborted-transaction index ({@code .txnindex}), shared by the broker's local segments and
 * the copies uploaded beside tiered segments. Kafka's layout, so a segment directory or a downloaded object reads
 * the same to Kafka's tools: fixed 34-byte entries of version (int16, 0), producer id, first offset, last offset
 * (the ABORT marker) and the last stable offset when the marker was written (int64 each), big-endian, no header.
 */
public final class TxnIndexFormat {
    public static final int ENTRY_SIZE = 34;
    public static final short VERSION = 0;

    private TxnIndexFormat() {
    }

    /** One entry, ready to write. */
    public static ByteBuffer encode(AbortedTxn txn) {
        return ByteBuffer.allocate(ENTRY_SIZE).putShort(VERSION).putLong(txn.producerId()).putLong(txn.firstOffset())
                .putLong(txn.lastOffset()).putLong(txn.lastStableOffset()).flip();
    }

    /** Every entry of {@code bytes} (from its position), in file order. A torn last entry is dropped (a crash cut it),
     * and entries of an unknown version are skipped, as Kafka's reader would refuse them. */
    public static List<AbortedTxn> decode(ByteBuffer bytes) {
        ByteBuffer in = bytes.duplicate();
        List<AbortedTxn> out = new ArrayList<>(in.remaining() / ENTRY_SIZE);
        while (in.remaining() >= ENTRY_SIZE) {
            short version = in.getShort();
            AbortedTxn txn = new AbortedTxn(in.getLong(), in.getLong(), in.getLong(), in.getLong());
            if (version == VERSION) {
                out.add(txn);
            }
        }
        return out;
    }

    /** Whether a reader of [{@code from}, {@code upTo}) meets records of {@code txn} and so must be told it aborted. */
    public static boolean overlaps(AbortedTxn txn, long from, long upTo) {
        return txn.lastOffset() >= from && txn.firstOffset() < upTo;
    }

    /**
     * Whether no index after this entry can hold a transaction with records below {@code upTo}: when its marker was
     * written the last stable offset was already past {@code upTo}, so every transaction that began below it had
     * been decided by then and its marker lies at or before this one (Kafka's stopping rule).
     */
    public static boolean completes(AbortedTxn txn, long upTo) {
        return txn.lastStableOffset() >= upTo;
    }
}
