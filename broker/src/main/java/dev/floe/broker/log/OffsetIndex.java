package dev.floe.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/** Sparse map from offset to byte position in a segment: entries of (int relative offset, int position). */
final class OffsetIndex extends MappedIndex {
    static final int ENTRY_SIZE = 8;
    private final long baseOffset;

    OffsetIndex(Path file, long baseOffset, int maxIndexBytes, boolean preallocate) throws IOException {
        super(file, ENTRY_SIZE, maxIndexBytes, preallocate);
        this.baseOffset = baseOffset;
    }

    void append(long offset, int position) {
        int at = nextEntryPosition();
        MappedByteBuffer map = writeBuffer();
        map.putInt(at, (int) (offset - baseOffset));
        map.putInt(at + 4, position);
        commitEntry();
    }

    @Override
    long keyAt(MappedByteBuffer map, int entry) {
        return baseOffset + map.getInt(entry * ENTRY_SIZE);
    }

    int positionAt(int entry) {
        return intAt(entry, 4);
    }

    /** Byte position of the last indexed batch starting at or before {@code offset}; 0 when none. */
    int lookup(long offset) {
        int entry = floorEntry(offset);
        return entry < 0 ? 0 : positionAt(entry);
    }

    /** Position of the last entry, read without mapping a sealed index; 0 when there is none. */
    int lastPosition() throws IOException {
        ByteBuffer last = lastEntry();
        return last == null ? 0 : last.getInt(4);
    }

    /** Drop entries pointing at or beyond {@code position}. */
    void truncateToPosition(int position) {
        int keep = entries();
        while (keep > 0 && positionAt(keep - 1) >= position) {
            keep--;
        }
        truncateToEntries(keep);
    }

    /** An index is sane when its keys and positions rise and stay within the log. */
    boolean isSane(long logSize) {
        long previousKey = -1;
        int previousPosition = -1;
        for (int i = 0; i < entries(); i++) {
            long key = keyAt(i);
            int position = positionAt(i);
            if (key < baseOffset || key <= previousKey || position <= previousPosition || position >= logSize) {
                return false;
            }
            previousKey = key;
            previousPosition = position;
        }
        return true;
    }
}
