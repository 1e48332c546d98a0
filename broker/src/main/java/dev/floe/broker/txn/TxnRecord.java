package dev.floe.broker.txn;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One record of {@code __transaction_state}: everything the coordinator knows about a transactional id, so the
 * latest record per key is the whole state (the topic can be compacted). Key: version int16 0, the id as an
 * int16-length UTF-8 string. Value version 1: version int16, producer id, epoch, timeout, state id, partitions
 * (count, then topic string and partition each), transaction start time, last update time, then the fields
 * transactions v2 needs: last producer epoch, previous producer id, next producer id, and the transaction version
 * of the client that ended the transaction. Value version 0 (written before transactions v2) ends after the last
 * update time; it is still read, with those fields unset.
 *
 * @param lastProducerEpoch  the epoch before the latest bump: a retried EndTxn or a recovering InitProducerId may
 *                           still carry it
 * @param previousProducerId the producer id before the epochs were exhausted and a new one was allocated
 * @param nextProducerId     in Prepare*, the producer id the transaction moves to once its markers (written at the
 *                           old id's last epoch) are down
 * @param transactionVersion 2 when a transactions v2 client (EndTxn v5) ended the transaction, which bumped the
 *                           epoch: a retry of that EndTxn at the previous epoch is then answered, not fenced
 */
record TxnRecord(String transactionalId, long producerId, short epoch, int timeoutMs, TxnState state,
                 Set<TopicPartition> partitions, long startTimestamp, long lastUpdateTimestamp,
                 short lastProducerEpoch, long previousProducerId, long nextProducerId, byte transactionVersion) {
    private static final short KEY_VERSION = 0;
    static final short VALUE_VERSION_V0 = 0;
    static final short VALUE_VERSION = 1;

    /** A record without any transactions v2 field set (as value version 0 reads). */
    TxnRecord(String transactionalId, long producerId, short epoch, int timeoutMs, TxnState state,
              Set<TopicPartition> partitions, long startTimestamp, long lastUpdateTimestamp) {
        this(transactionalId, producerId, epoch, timeoutMs, state, partitions, startTimestamp, lastUpdateTimestamp,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_ID, (byte) 0);
    }

    byte[] key() {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 2 + id.length).putShort(KEY_VERSION).putShort((short) id.length).put(id)
                .array();
    }

    byte[] value() {
        return value(VALUE_VERSION);
    }

    /** The value at {@code version}; version 0 drops the v2 fields (tests write it to prove old logs still load). */
    byte[] value(short version) {
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8 + (version >= 1 ? 2 + 8 + 8 + 1 : 0);
        for (TopicPartition tp : partitions) {
            size += 2 + tp.topic().getBytes(StandardCharsets.UTF_8).length + 4;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putShort(version).putLong(producerId).putShort(epoch)
                .putInt(timeoutMs).put(state.id).putInt(partitions.size());
        for (TopicPartition tp : partitions) {
            byte[] topic = tp.topic().getBytes(StandardCharsets.UTF_8);
            out.putShort((short) topic.length).put(topic).putInt(tp.partition());
        }
        out.putLong(startTimestamp).putLong(lastUpdateTimestamp);
        if (version >= 1) {
            out.putShort(lastProducerEpoch).putLong(previousProducerId).putLong(nextProducerId)
                    .put(transactionVersion);
        }
        return out.array();
    }

    static String readKey(ByteBuffer key) {
        ByteBuffer in = key.duplicate();
        short version = in.getShort();
        if (version != KEY_VERSION) {
            throw new IllegalArgumentException("unknown transaction log key version " + version);
        }
        return string(in);
    }

    static TxnRecord read(String transactionalId, ByteBuffer value) {
        ByteBuffer in = value.duplicate();
        short version = in.getShort();
        if (version != VALUE_VERSION_V0 && version != VALUE_VERSION) {
            throw new IllegalArgumentException("unknown transaction log value version " + version);
        }
        long producerId = in.getLong();
        short epoch = in.getShort();
        int timeout = in.getInt();
        TxnState state = TxnState.ofId(in.get());
        int count = in.getInt();
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            partitions.add(new TopicPartition(string(in), in.getInt()));
        }
        long start = in.getLong();
        long lastUpdate = in.getLong();
        if (version == VALUE_VERSION_V0) {
            return new TxnRecord(transactionalId, producerId, epoch, timeout, state, partitions, start, lastUpdate);
        }
        return new TxnRecord(transactionalId, producerId, epoch, timeout, state, partitions, start, lastUpdate,
                in.getShort(), in.getLong(), in.getLong(), in.get());
    }

    private static String string(ByteBuffer in) {
        byte[] bytes = new byte[in.getShort()];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
