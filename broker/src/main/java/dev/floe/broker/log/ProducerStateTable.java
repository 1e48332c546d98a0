package dev.floe.broker.log;

import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * What an idempotent producer has written to one partition: its epoch and its last five batches, enough to
 * drop a retried batch as a duplicate and to reject one that skips ahead, as Kafka's idempotent producer expects;
 * and for a transactional producer the first offset of its open transaction, which holds the last stable offset
 * back until a COMMIT or ABORT marker closes it. Only the partition's writer touches it.
 */
final class ProducerStateTable {
    private static final int CACHED_BATCHES = 5;
    private static final int SNAPSHOT_VERSION = 3;

    record Check(Errors error, String message, long duplicateBaseOffset, long duplicateLastOffset) {
        static final Check OK = new Check(Errors.NONE, null, -1, -1);

        boolean duplicate() {
            return duplicateBaseOffset >= 0;
        }
    }

    private record Written(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    private static final class Entry {
        short epoch;
        /** Largest timestamp of the producer's last batch: what expiration measures idleness by, as in Kafka. */
        long lastTimestamp;
        /** First offset of the producer's open transaction in this partition, -1 when none is open. */
        long txnFirstOffset = -1;
        final ArrayDeque<Written> batches = new ArrayDeque<>(CACHED_BATCHES);
    }

    /** A transaction closed by a marker: where it began, where its marker is, and how it ended. */
    record CompletedTxn(long producerId, long firstOffset, long markerOffset, boolean aborted) {
    }

    private final Map<Long, Entry> producers = new HashMap<>();
    /** Open transactions by first offset: the smallest key is the first unstable offset. */
    private final java.util.TreeMap<Long, Long> openTxns = new java.util.TreeMap<>();

    Check check(BatchHeader batch) {
        Entry entry = producers.get(batch.producerId());
        if (entry == null) {
            return Check.OK;
        }
        // The epoch is checked even when no batch is cached: a marker written at a bumped epoch (a fenced
        // transaction) leaves no batch behind, and the zombie at the old epoch must still be refused.
        if (batch.producerEpoch() < entry.epoch) {
            return new Check(Errors.INVALID_PRODUCER_EPOCH, "producer " + batch.producerId() + " epoch "
                    + batch.producerEpoch() + " is older than the current epoch " + entry.epoch, -1, -1);
        }
        // Markers and transactional offset commits carry no sequence: only their epoch is checked.
        if (batch.isControl() || batch.baseSequence() < 0 || entry.batches.isEmpty()) {
            return Check.OK;
        }
        if (batch.producerEpoch() > entry.epoch) {
            return batch.baseSequence() == 0 ? Check.OK : new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    "first batch of producer " + batch.producerId() + " epoch " + batch.producerEpoch()
                            + " must start at sequence 0, not " + batch.baseSequence(), -1, -1);
        }
        for (Written w : entry.batches) {
            if (w.firstSeq == batch.baseSequence() && w.lastSeq == batch.lastSequence()) {
                return new Check(Errors.NONE, null, w.firstOffset, w.lastOffset);
            }
        }
        int expected = nextSequence(entry.batches.peekLast().lastSeq);
        if (batch.baseSequence() != expected) {
            return new Check(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + batch.producerId()
                    + " sent sequence " + batch.baseSequence() + " but " + expected + " was expected", -1, -1);
        }
        return Check.OK;
    }

    /** Record a data batch (a control batch goes to {@link #recordMarker}). */
    void record(BatchHeader batch) {
        if (!batch.hasProducerId() || batch.isControl()) {
            return;
        }
        Entry entry = entryAtEpoch(batch);
        if (batch.baseSequence() >= 0) {
            if (entry.batches.size() == CACHED_BATCHES) {
                entry.batches.removeFirst();
            }
            entry.batches.addLast(new Written(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(),
                    batch.lastOffset()));
        }
        if (batch.isTransactional() && entry.txnFirstOffset < 0) {
            entry.txnFirstOffset = batch.baseOffset();
            openTxns.put(batch.baseOffset(), batch.producerId());
        }
    }

    /**
     * Record a COMMIT or ABORT marker: the producer's open transaction, if any, ends here. Returns it, or null when
     * the producer had nothing open in this partition (a marker for a partition the transaction never wrote to).
     */
    CompletedTxn recordMarker(BatchHeader marker, boolean commit) {
        Entry entry = entryAtEpoch(marker);
        long first = entry.txnFirstOffset;
        if (first < 0) {
            return null;
        }
        entry.txnFirstOffset = -1;
        openTxns.remove(first);
        return new CompletedTxn(marker.producerId(), first, marker.baseOffset(), !commit);
    }

    private Entry entryAtEpoch(BatchHeader batch) {
        Entry entry = producers.computeIfAbsent(batch.producerId(), id -> new Entry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        entry.lastTimestamp = Math.max(entry.lastTimestamp, batch.maxTimestamp());
        return entry;
    }

    /** The first offset of the oldest open transaction, or {@code Long.MAX_VALUE} when none is open. */
    long firstUnstableOffset() {
        return openTxns.isEmpty() ? Long.MAX_VALUE : openTxns.firstKey();
    }

    java.util.List<ProducerView> view() {
        java.util.List<ProducerView> out = new java.util.ArrayList<>();
        producers.forEach((id, e) -> out.add(new ProducerView(id, e.epoch,
                e.batches.isEmpty() ? -1 : e.batches.peekLast().lastSeq, e.lastTimestamp, e.txnFirstOffset)));
        return out;
    }

    /**
     * Drop producers whose last batch is older than {@code cutoffTimestamp}; returns how many went. A producer
     * with an open transaction stays, or the transaction would be forgotten and the LSO jump past it.
     */
    int expire(long cutoffTimestamp) {
        int before = producers.size();
        producers.values().removeIf(e -> e.lastTimestamp < cutoffTimestamp && e.txnFirstOffset < 0);
        return before - producers.size();
    }

    void clear() {
        producers.clear();
        openTxns.clear();
    }

    /**
     * The table as bytes: a version, the producers, for each its epoch and last batches, then a CRC32 of all of it.
     * Written at every roll (and uploaded with the sealed segment) so the table survives the segments it came from.
     */
    byte[] toBytes() {
        int size = 4 + 4 + 4;
        for (Entry e : producers.values()) {
            size += 8 + 2 + 8 + 8 + 4 + e.batches.size() * (4 + 4 + 8 + 8);
        }
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(size);
        out.putInt(SNAPSHOT_VERSION).putInt(producers.size());
        producers.forEach((id, e) -> {
            out.putLong(id).putShort(e.epoch).putLong(e.lastTimestamp).putLong(e.txnFirstOffset)
                    .putInt(e.batches.size());
            for (Written w : e.batches) {
                out.putInt(w.firstSeq).putInt(w.lastSeq).putLong(w.firstOffset).putLong(w.lastOffset);
            }
        });
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** Replace the table with one read by {@link #toBytes()}; false (and the table untouched) when the bytes are bad. */
    boolean loadFrom(byte[] bytes) {
        try {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(bytes, 0, bytes.length - 4);
            if ((int) crc.getValue() != in.getInt(bytes.length - 4)) {
                return false;
            }
            int version = in.getInt();
            if (version < 1 || version > SNAPSHOT_VERSION) {
                return false;
            }
            Map<Long, Entry> loaded = new HashMap<>();
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
                long id = in.getLong();
                Entry e = new Entry();
                e.epoch = in.getShort();
                // Version 1 had no timestamps: such producers count as active from now on.
                e.lastTimestamp = version == 1 ? System.currentTimeMillis() : in.getLong();
                // Version 3 added the open transaction's first offset.
                e.txnFirstOffset = version >= 3 ? in.getLong() : -1;
                int batches = in.getInt();
                for (int b = 0; b < batches; b++) {
                    e.batches.addLast(new Written(in.getInt(), in.getInt(), in.getLong(), in.getLong()));
                }
                loaded.put(id, e);
            }
            producers.clear();
            producers.putAll(loaded);
            openTxns.clear();
            loaded.forEach((id, e) -> {
                if (e.txnFirstOffset >= 0) {
                    openTxns.put(e.txnFirstOffset, id);
                }
            });
            return true;
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    int size() {
        return producers.size();
    }

    private static int nextSequence(int sequence) {
        return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
    }
}
