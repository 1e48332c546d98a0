package dev.floe.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from timestamp to offset: entries of (long max timestamp so far, int relative offset). Keys rise
 * because an entry is only added when a batch raises the segment's maximum timestamp.
 */
final class TimeIndex extends MappedIndex {
    static final int ENTRY_SIZE = 12;
    private final long baseOffset;

    TimeIndex(Path file, long baseOffset, int maxIndexBytes, boolean preallocate) throws IOException {
        super(file, ENTRY_SIZE, maxIndexBytes, preallocate);
        this.baseOffset = baseOffset;
    }

    void append(long timestamp, long offset) {
        int at = nextEntryPosition();
        MappedByteBuffer map = writeBuffer();
        map.putLong(at, timestamp);
        map.putInt(at + 8, (int) (offset - baseOffset));
        commitEntry();
    }

    @Override
    long keyAt(MappedByteBuffer map, int entry) {
        return map.getLong(entry * ENTRY_SIZE);
    }

    long offsetAt(int entry) {
        return baseOffset + intAt(entry, 8);
    }

    /** The newest entry's timestamp, -1 when none; read without mapping a sealed index. */
    long lastTimestamp() {
        ByteBuffer last = lastEntryUnchecked();
        return last == null ? -1 : last.getLong(0);
    }

    /** The newest entry's offset, -1 when none. */
    long lastOffset() {
        ByteBuffer last = lastEntryUnchecked();
        return last == null ? -1 : baseOffset + last.getInt(8);
    }

    private ByteBuffer lastEntryUnchecked() {
        try {
            return lastEntry();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read time index " + file(), e);
        }
    }

    /**
     * The offset from which to scan for the first record with timestamp >= target: the entry before the first
     * one that reaches the target (records between two entries may carry any timestamp up to the later one).
     */
    long scanStartFor(long timestamp) {
        int entry = floorEntry(timestamp - 1);
        return entry < 0 ? baseOffset : offsetAt(entry);
    }

    void truncateToOffset(long offset) {
        int keep = entries();
        while (keep > 0 && offsetAt(keep - 1) >= offset) {
            keep--;
        }
        truncateToEntries(keep);
    }

    boolean isSane() {
        long previous = Long.MIN_VALUE;
        long previousOffset = -1;
        for (int i = 0; i < entries(); i++) {
            long key = keyAt(i);
            long offset = offsetAt(i);
            if (key < previous || offset < previousOffset || offset < baseOffset) {
                return false;
            }
            previous = key;
            previousOffset = offset;
        }
        return true;
    }
}
