package dev.floe.tier.remote;

import java.nio.ByteBuffer;

/**
 * The fields of a v2 record batch header that ranged reads need to find batch boundaries: where a batch
 * starts, how long it is, and which offsets and time it covers (Kafka protocol documentation, RecordBatch).
 */
record BatchBoundary(long baseOffset, int size, long lastOffset, long maxTimestamp) {
    static final int HEADER_SIZE = 61;

    static BatchBoundary read(ByteBuffer buf, int at) {
        long base = buf.getLong(at);
        int size = 12 + buf.getInt(at + 8);
        return new BatchBoundary(base, size, base + buf.getInt(at + 23), buf.getLong(at + 35));
    }
}
