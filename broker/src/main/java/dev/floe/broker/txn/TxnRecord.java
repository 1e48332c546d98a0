package dev.floe.broker.txn;

import org.apache.kafka.common.TopicPartition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One record of {@code __transaction_state}: everything the coordinator knows about a transactional id, so the
 * latest record per key is the whole state (the topic can be compacted). Key: version int16 0, the id as an
 * int16-length UTF-8 string. Value: version int16 0, producer id, epoch, timeout, state id, partitions (count,
 * then topic string and partition each), transaction start time, last update time.
 */
record TxnRecord(String transactionalId, long producerId, short epoch, int timeoutMs, TxnState state,
                 Set<TopicPartition> partitions, long startTimestamp, long lastUpdateTimestamp) {
    private static final short VERSION = 0;

    byte[] key() {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 2 + id.length).putShort(VERSION).putShort((short) id.length).put(id).array();
    }

    byte[] value() {
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        for (TopicPartition tp : partitions) {
            size += 2 + tp.topic().getBytes(StandardCharsets.UTF_8).length + 4;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putShort(VERSION).putLong(producerId).putShort(epoch)
                .putInt(timeoutMs).put(state.id).putInt(partitions.size());
        for (TopicPartition tp : partitions) {
            byte[] topic = tp.topic().getBytes(StandardCharsets.UTF_8);
            out.putShort((short) topic.length).put(topic).putInt(tp.partition());
        }
        return out.putLong(startTimestamp).putLong(lastUpdateTimestamp).array();
    }

    static String readKey(ByteBuffer key) {
        ByteBuffer in = key.duplicate();
        short version = in.getShort();
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown transaction log key version " + version);
        }
        return string(in);
    }

    static TxnRecord read(String transactionalId, ByteBuffer value) {
        ByteBuffer in = value.duplicate();
        short version = in.getShort();
        if (version != VERSION) {
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
        return new TxnRecord(transactionalId, producerId, epoch, timeout, state, partitions, in.getLong(),
                in.getLong());
    }

    private static String string(ByteBuffer in) {
        byte[] bytes = new byte[in.getShort()];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
