package dev.floe.broker.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size entries sorted by a monotonically increasing key. The active segment's
 * index is preallocated to its maximum size and trimmed to its entries when the segment is sealed, so a sealed
 * index file's length says how many entries it holds.
 *
 * <p>Concurrency: one writer (the partition's) appends, trims and closes; readers on any thread search. A reader
 * takes one snapshot of the mapping and of the entry count and works only on it, so a concurrent trim (which
 * swaps in a new, shorter mapping) or close never pulls the buffer from under it: the old mapping stays valid
 * until the garbage collector drops it, and every entry below the snapshot's count is inside both the old and the
 * new file. A sealed index is mapped lazily on its first search, so a broker with many segments neither spends
 * its start-up mapping files nor runs into {@code vm.max_map_count}; an index that can no longer be mapped (its
 * segment was deleted under the reader) answers "no entry", and the caller scans the segment from its start.
 */
abstract class MappedIndex implements AutoCloseable {
    /** The mapping and how many entries of it are valid, published together. */
    private record View(MappedByteBuffer map, int entries) {
        static final View EMPTY = new View(null, 0);
    }

    private final Path file;
    private final int entrySize;
    private volatile MappedByteBuffer map;
    private volatile int entries;
    private volatile int maxEntries;
    private volatile boolean closed;

    MappedIndex(Path file, int entrySize, int maxIndexBytes, boolean preallocate) throws IOException {
        this.file = file;
        this.entrySize = entrySize;
        long length = Files.exists(file) ? Files.size(file) : 0;
        this.entries = (int) (length / entrySize);
        if (preallocate) {
            long mapped = Math.max(roundDown(maxIndexBytes), (long) entries * entrySize);
            map = mapFile(mapped);
            maxEntries = (int) (mapped / entrySize);
        } else {
            if (length == 0) {
                Files.write(file, new byte[0]);
            }
            maxEntries = entries;
        }
    }

    private int roundDown(int bytes) {
        return bytes - bytes % entrySize;
    }

    private MappedByteBuffer mapFile(long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
            return raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
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

    /** Whether the file is mapped now (tests and metrics; sealed indexes map on first use). */
    boolean isMapped() {
        return map != null;
    }

    /** A consistent mapping and entry count for one search; empty when the index cannot be mapped any more. */
    private View view() {
        MappedByteBuffer m = map;
        int n = entries;
        if (m == null) {
            if (n == 0) {
                return View.EMPTY;
            }
            m = mapLazily();
            if (m == null) {
                return View.EMPTY;
            }
        }
        return new View(m, Math.min(n, m.capacity() / entrySize));
    }

    private synchronized MappedByteBuffer mapLazily() {
        if (map == null && !closed) {
            try {
                map = mapFile((long) entries * entrySize);
            } catch (IOException e) {
                // The segment was deleted or moved aside while this reader looked at it: searching without the
                // index is slower but correct.
                return null;
            }
        }
        return map;
    }

    /** A copy of the last committed entry, read from the mapping or, for an unmapped index, the file; null if none. */
    ByteBuffer lastEntry() throws IOException {
        int n = entries;
        if (n == 0) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocate(entrySize);
        MappedByteBuffer m = map;
        if (m != null) {
            out.put(0, m, (n - 1) * entrySize, entrySize);
            return out;
        }
        try (FileChannel ch = FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            long at = (long) (n - 1) * entrySize;
            while (out.hasRemaining()) {
                if (ch.read(out, at + out.position()) < 0) {
                    throw new IOException("index " + file + " ends before its entry " + (n - 1));
                }
            }
        }
        return out.flip();
    }

    /** The writer's buffer: the active index is always mapped. */
    MappedByteBuffer writeBuffer() {
        MappedByteBuffer m = map;
        if (m == null) {
            throw new IllegalStateException("index " + file + " is sealed and cannot take new entries");
        }
        return m;
    }

    /** Reserve the next entry slot and return its byte position; caller writes the entry. */
    int nextEntryPosition() {
        if (isFull()) {
            throw new IllegalStateException("index " + file + " is full at " + entries + " entries");
        }
        return entries * entrySize;
    }

    /** Publish the entry just written: readers see it only from here on. */
    void commitEntry() {
        entries++;
    }

    /** Forget entries from {@code keep} on, after a truncation of the log. */
    void truncateToEntries(int keep) {
        entries = Math.min(entries, Math.max(0, keep));
    }

    /** Key of entry {@code entry}; the writer's view (used for checks and truncation by the writer). */
    long keyAt(int entry) {
        return keyAt(view().map(), entry);
    }

    /** Index of the last entry whose key is <= target, or -1 when all keys are larger (or no entry is usable). */
    int floorEntry(long target) {
        View v = view();
        int lo = 0;
        int hi = v.entries() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(v.map(), mid) <= target) {
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
        View v = view();
        int lo = 0;
        int hi = v.entries() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(v.map(), mid) >= target) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    /** An int field of an entry, read from a fresh snapshot (entries never change once committed). */
    int intAt(int entry, int fieldOffset) {
        View v = view();
        return v.map() == null ? 0 : v.map().getInt(entry * entrySize + fieldOffset);
    }

    abstract long keyAt(MappedByteBuffer map, int entry);

    /** Shrink the file to its entries: a sealed segment's index never grows again. */
    synchronized void trim() throws IOException {
        if (closed) {
            return;
        }
        MappedByteBuffer old = map;
        if (old != null) {
            old.force();
        }
        long length = (long) entries * entrySize;
        // Readers holding the old mapping keep using it; it stays valid and covers every committed entry.
        map = length == 0 ? null : mapFile(length);
        maxEntries = entries;
    }

    void flush() {
        MappedByteBuffer m = map;
        if (m != null) {
            m.force();
        }
    }

    /**
     * Flush and stop mapping. The buffer is not dropped: a reader that took it a moment ago finishes its search on
     * it, and the garbage collector unmaps it when the last reader lets go.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        flush();
    }
}
