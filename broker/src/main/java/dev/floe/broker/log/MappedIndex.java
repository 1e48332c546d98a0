package dev.floe.broker.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size entries sorted by a monotonically increasing key. The active segment's
 * index is preallocated to its maximum size and trimmed to its entries when the segment is sealed, so a sealed
 * index file's length says how many entries it holds.
 */
abstract class MappedIndex implements AutoCloseable {
    private final Path file;
    private final int entrySize;
    private MappedByteBuffer map;
    private int entries;
    private int maxEntries;

    MappedIndex(Path file, int entrySize, int maxIndexBytes, boolean preallocate) throws IOException {
        this.file = file;
        this.entrySize = entrySize;
        boolean existed = Files.exists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = raf.length();
            if (!existed || length == 0) {
                length = 0;
            }
            entries = (int) (length / entrySize);
            long mapped = preallocate ? Math.max(roundDown(maxIndexBytes), (long) entries * entrySize) : (long) entries * entrySize;
            raf.setLength(mapped);
            map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, mapped);
            maxEntries = (int) (mapped / entrySize);
        }
    }

    private int roundDown(int bytes) {
        return bytes - bytes % entrySize;
    }

    Path file() {
        return file;
    }

    int entries() {
        return entries;
    }

    boolean isFull() {
        return entries >= maxEntries;
    }

    int entrySize() {
        return entrySize;
    }

    MappedByteBuffer map() {
        return map;
    }

    /** Reserve the next entry slot and return its byte position; caller writes the entry. */
    int nextEntryPosition() {
        if (isFull()) {
            throw new IllegalStateException("index " + file + " is full at " + entries + " entries");
        }
        return entries * entrySize;
    }

    void commitEntry() {
        entries++;
    }

    /** Forget entries from {@code keep} on, after a truncation of the log. */
    void truncateToEntries(int keep) {
        entries = Math.min(entries, Math.max(0, keep));
    }

    /** Index of the last entry whose key is <= target, or -1 when all keys are larger. */
    int floorEntry(long target) {
        int lo = 0;
        int hi = entries - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(mid) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Index of the first entry whose key is >= target, or -1 when none is. */
    int ceilingEntry(long target) {
        int lo = 0;
        int hi = entries - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(mid) >= target) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    abstract long keyAt(int entry);

    /** Shrink the file to its entries: a sealed segment's index never grows again. */
    void trim() throws IOException {
        resize((long) entries * entrySize);
    }

    private void resize(long length) throws IOException {
        map.force();
        unmap();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
            map = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            maxEntries = (int) (length / entrySize);
        }
    }

    void flush() {
        map.force();
    }

    private void unmap() {
        // Mapped buffers are released by the garbage collector; dropping our reference is enough on Linux,
        // where a mapping of a truncated or deleted file stays valid until it is collected.
        map = null;
    }

    @Override
    public void close() {
        if (map != null) {
            map.force();
            unmap();
        }
    }
}
