package dev.floe.broker.log;

import java.io.IOException;
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
        map().putLong(at, timestamp);
        map().putInt(at + 8, (int) (offset - baseOffset));
        commitEntry();
    }

    @Override
    long keyAt(int entry) {
        return map().getLong(entry * ENTRY_SIZE);
    }

    long offsetAt(int entry) {
        return baseOffset + map().getInt(entry * ENTRY_SIZE + 8);
    }

    long lastTimestamp() {
        return entries() == 0 ? -1 : keyAt(entries() - 1);
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
