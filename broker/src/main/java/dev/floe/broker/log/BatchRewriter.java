package dev.floe.broker.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The few in-place edits a leader makes to a producer's batch. Base offset and leader epoch sit before the
 * CRC'd part of the header, so assigning them keeps the client's CRC valid; switching to log-append time
 * changes CRC'd fields and recomputes the CRC.
 */
final class BatchRewriter {
    private static final int PARTITION_LEADER_EPOCH = 12;
    private static final int CRC = 17;
    private static final int ATTRIBUTES = 21;
    private static final int MAX_TIMESTAMP = 35;
    private static final short TIMESTAMP_TYPE_FLAG = 0x08;

    private BatchRewriter() {
    }

    static void assign(ByteBuffer buffer, int at, long baseOffset, int leaderEpoch) {
        buffer.putLong(at, baseOffset);
        buffer.putInt(at + PARTITION_LEADER_EPOCH, leaderEpoch);
    }

    static void setLogAppendTime(ByteBuffer buffer, int at, long now) {
        BatchHeader header = BatchHeader.read(buffer, at);
        buffer.putShort(at + ATTRIBUTES, (short) (header.attributes() | TIMESTAMP_TYPE_FLAG));
        buffer.putLong(at + MAX_TIMESTAMP, now);
        buffer.putInt(at + CRC, (int) crc(buffer, at + ATTRIBUTES, header.sizeInBytes() - ATTRIBUTES));
    }

    /** CRC-32C of {@code length} bytes from {@code from}, as the v2 batch format defines it. */
    static long crc(ByteBuffer buffer, int from, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buffer.duplicate();
        view.limit(from + length).position(from);
        crc.update(view);
        return crc.getValue();
    }
}
