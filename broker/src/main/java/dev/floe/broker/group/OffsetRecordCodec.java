package dev.floe.broker.group;

import org.apache.kafka.common.TopicPartition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Floe's record format for committed offsets in the internal offsets topic. The key names the group and
 * partition, so the latest record per key is the committed offset; a null value (tombstone) deletes it.
 * docs/consumer-groups.md documents the layout as a stable format.
 */
final class OffsetRecordCodec {
    private static final short KEY_VERSION = 0;
    private static final short VALUE_VERSION = 0;

    record Key(String group, TopicPartition partition) {
    }

    private OffsetRecordCodec() {
    }

    static byte[] key(String group, TopicPartition tp) {
        byte[] g = group.getBytes(StandardCharsets.UTF_8);
        byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(2 + 4 + g.length + 2 + t.length + 4);
        buf.putShort(KEY_VERSION).putInt(g.length).put(g).putShort((short) t.length).put(t).putInt(tp.partition());
        return buf.array();
    }

    static Key readKey(ByteBuffer buf) {
        short version = buf.getShort();
        if (version != KEY_VERSION) {
            throw new IllegalArgumentException("offset record key version " + version + " is newer than this broker");
        }
        byte[] g = new byte[buf.getInt()];
        buf.get(g);
        byte[] t = new byte[buf.getShort()];
        buf.get(t);
        return new Key(new String(g, StandardCharsets.UTF_8), new TopicPartition(new String(t, StandardCharsets.UTF_8), buf.getInt()));
    }

    static byte[] value(CommittedOffset offset) {
        byte[] meta = offset.metadata() == null ? null : offset.metadata().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(2 + 8 + 4 + 4 + (meta == null ? 0 : meta.length) + 8);
        buf.putShort(VALUE_VERSION).putLong(offset.offset()).putInt(offset.leaderEpoch());
        if (meta == null) {
            buf.putInt(-1);
        } else {
            buf.putInt(meta.length).put(meta);
        }
        buf.putLong(offset.commitTimestamp());
        return buf.array();
    }

    static CommittedOffset readValue(ByteBuffer buf) {
        short version = buf.getShort();
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("offset record value version " + version + " is newer than this broker");
        }
        long offset = buf.getLong();
        int epoch = buf.getInt();
        int metaLength = buf.getInt();
        String metadata = null;
        if (metaLength >= 0) {
            byte[] meta = new byte[metaLength];
            buf.get(meta);
            metadata = new String(meta, StandardCharsets.UTF_8);
        }
        return new CommittedOffset(offset, epoch, metadata, buf.getLong());
    }
}
