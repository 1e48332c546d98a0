package dev.floe.broker.log;

import java.nio.ByteBuffer;

/**
 * The fixed 61-byte header of a v2 record batch, read without touching the records. Positions follow the
 * Kafka protocol documentation of the RecordBatch format.
 */
public record BatchHeader(long baseOffset, int batchLength, int partitionLeaderEpoch, byte magic, int crc,
                          short attributes, int lastOffsetDelta, long baseTimestamp, long maxTimestamp,
                          long producerId, short producerEpoch, int baseSequence, int recordCount) {

    public static final int SIZE = 61;
    /** baseOffset + batchLength: the part of a batch not counted in batchLength. */
    public static final int LOG_OVERHEAD = 12;
    public static final int MAGIC_V2 = 2;
    private static final int TRANSACTIONAL_FLAG = 0x10;
    private static final int CONTROL_FLAG = 0x20;

    public static BatchHeader read(ByteBuffer buf, int at) {
        return new BatchHeader(
                buf.getLong(at),
                buf.getInt(at + 8),
                buf.getInt(at + 12),
                buf.get(at + 16),
                buf.getInt(at + 17),
                buf.getShort(at + 21),
                buf.getInt(at + 23),
                buf.getLong(at + 27),
                buf.getLong(at + 35),
                buf.getLong(at + 43),
                buf.getShort(at + 51),
                buf.getInt(at + 53),
                buf.getInt(at + 57));
    }

    public int sizeInBytes() {
        return LOG_OVERHEAD + batchLength;
    }

    public long lastOffset() {
        return baseOffset + lastOffsetDelta;
    }

    public int lastSequence() {
        if (baseSequence < 0) {
            return baseSequence;
        }
        long last = (long) baseSequence + lastOffsetDelta;
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    public boolean hasProducerId() {
        return producerId >= 0;
    }

    public boolean isTransactional() {
        return (attributes & TRANSACTIONAL_FLAG) != 0;
    }

    public boolean isControl() {
        return (attributes & CONTROL_FLAG) != 0;
    }
}
