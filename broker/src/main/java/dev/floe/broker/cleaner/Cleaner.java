package dev.floe.broker.cleaner;

import dev.floe.broker.log.LogSegment;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentNames;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One clean of one partition log. First the dirty segments are read into the offset map (key to its latest
 * offset); then every cleanable segment, clean and dirty, is copied without the records a later one with the same
 * key replaced, grouped so that small results merge into segments of up to segment.bytes, and swapped in group by
 * group. Offsets never change: compaction leaves gaps. Batches whose records all stay are copied byte for byte;
 * the others are rewritten by kafka-clients' {@code MemoryRecords.filterTo}, which keeps the batch's base offset,
 * producer id, epoch, base sequence, transactional and control flags and partition leader epoch. Control batches
 * are always kept. A tombstone stays for delete.retention.ms after the clean that first kept it (its batch is
 * stamped with that delete horizon, KIP-534) and goes on the first clean after it.
 */
final class Cleaner {
    /** What a clean did; {@code aborted} when the log changed under it or the broker is stopping. */
    record Result(long endOffset, long bytesRead, long bytesWritten, long recordsRead, long recordsKept,
                  int segmentsBefore, int segmentsAfter, long earliestDeleteHorizon, boolean aborted) {
    }

    /** Progress of the clean running now: bytes done out of the bytes it has to read. */
    interface Progress {
        void update(long done, long total);
    }

    private final OffsetMap map;
    private final Throttler throttler;
    private final int ioBufferBytes;
    private final BooleanSupplier stopping;

    Cleaner(OffsetMap map, Throttler throttler, int ioBufferBytes, BooleanSupplier stopping) {
        this.map = map;
        this.throttler = throttler;
        this.ioBufferBytes = ioBufferBytes;
        this.stopping = stopping;
    }

    Result clean(PartitionLog log, CleanableRange range, CompactionSettings settings, long now, Progress progress)
            throws IOException, InterruptedException {
        List<LogSegment> cleanable = range.cleanable();
        long total = range.dirtyBytes();
        for (LogSegment segment : cleanable) {
            total += segment.size();
        }
        long[] done = {0};
        map.clear();
        long end = buildOffsetMap(range, done, total, progress);
        if (end < 0) {
            return aborted(range);
        }
        List<List<LogSegment>> groups = group(cleanable, end, settings.segmentBytes());
        Stats stats = new Stats(now, settings.deleteRetentionMs());
        int before = 0;
        for (List<LogSegment> group : groups) {
            before += group.size();
            List<LogSegment> segments = log.segments();
            long groupEnd = nextBase(segments, group.get(group.size() - 1));
            if (groupEnd < 0) {
                return aborted(range);
            }
            Path cleaned = SegmentNames.cleanedFile(log.dir(), group.get(0).baseOffset(), groupEnd);
            if (!writeCleaned(group, cleaned, stats, done, total, progress)
                    || !log.replaceSegments(group, cleaned, groupEnd)) {
                Files.deleteIfExists(cleaned);
                return aborted(range);
            }
        }
        return new Result(end, stats.bytesRead + range.dirtyBytes(), stats.bytesWritten, stats.recordsRead,
                stats.recordsKept, before, groups.size(), stats.earliestHorizon(), false);
    }

    private static Result aborted(CleanableRange range) {
        return new Result(range.firstDirty(), 0, 0, 0, 0, 0, 0, Long.MAX_VALUE, true);
    }

    private static long nextBase(List<LogSegment> segments, LogSegment segment) {
        for (int i = 0; i + 1 < segments.size(); i++) {
            if (segments.get(i) == segment) {
                return segments.get(i + 1).baseOffset();
            }
        }
        return -1;
    }

    /**
     * Map every key of the dirty segments to its latest offset. Returns the offset the map is complete up to
     * (exclusive): the end of the dirty range, or, when the map fills, the first offset not mapped (the next clean
     * starts there). -1 when stopping.
     */
    private long buildOffsetMap(CleanableRange range, long[] done, long total, Progress progress)
            throws IOException, InterruptedException {
        long firstDirty = range.firstDirty();
        long end = range.firstUncleanable();
        List<LogSegment> cleanable = range.cleanable();
        for (int i = 0; i < cleanable.size(); i++) {
            LogSegment segment = cleanable.get(i);
            long next = i + 1 < cleanable.size() ? cleanable.get(i + 1).baseOffset() : range.firstUncleanable();
            if (next <= firstDirty) {
                continue;
            }
            long upperBound = next - Math.max(segment.baseOffset(), firstDirty);
            if (map.size() > 0 && map.size() + upperBound > map.capacity()) {
                // Whole segments only when it can be helped: the rest waits for the next clean.
                return segment.baseOffset();
            }
            int position = 0;
            while (position < segment.size()) {
                if (stopping.getAsBoolean()) {
                    return -1;
                }
                ByteBuffer chunk = readWholeBatches(segment, position);
                for (RecordBatch batch : MemoryRecords.readableRecords(chunk).batches()) {
                    if (batch.isControlBatch() || batch.lastOffset() < firstDirty) {
                        continue;
                    }
                    for (Record record : batch) {
                        if (record.offset() < firstDirty || !record.hasKey()) {
                            continue;
                        }
                        if (map.isFull()) {
                            return record.offset();
                        }
                        map.put(record.key(), record.offset());
                    }
                }
                position += chunk.limit();
                done[0] += chunk.limit();
                progress.update(done[0], total);
                throttler.acquire(chunk.limit());
            }
        }
        return end;
    }

    /**
     * Whole batches from {@code position}: up to the I/O buffer, or exactly one batch when a single batch is
     * larger than that.
     */
    private ByteBuffer readWholeBatches(LogSegment segment, int position) throws IOException {
        return readWholeBatches(segment, position, ioBufferBytes);
    }

    /** As {@link #readWholeBatches(LogSegment, int)}, with {@code ioBufferBytes} as the read size (the remote cleaner). */
    static ByteBuffer readWholeBatches(LogSegment segment, int position, int ioBufferBytes) throws IOException {
        ByteBuffer chunk = segment.read(position, Math.min(ioBufferBytes, segment.size() - position));
        int at = 0;
        while (at + 12 <= chunk.limit()) {
            int size = 12 + chunk.getInt(at + 8);
            if (at + size > chunk.limit()) {
                break;
            }
            at += size;
        }
        if (at == 0) {
            int size = 12 + chunk.getInt(8);
            return segment.read(position, size);
        }
        chunk.limit(at);
        return chunk;
    }

    /**
     * Consecutive segments whose sizes add up to at most segment.bytes (so cleaning shrinks the number of files
     * too), that end at or below {@code end}, and whose offsets fit the 32-bit relative offsets of one index.
     */
    private static List<List<LogSegment>> group(List<LogSegment> cleanable, long end, long maxBytes) {
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> current = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < cleanable.size(); i++) {
            LogSegment segment = cleanable.get(i);
            if (segment.baseOffset() >= end) {
                break;
            }
            long last = i + 1 < cleanable.size() ? cleanable.get(i + 1).baseOffset() - 1 : segment.lastOffset();
            boolean fits = current.isEmpty() || (bytes + segment.size() <= maxBytes
                    && last - current.get(0).baseOffset() < Integer.MAX_VALUE);
            if (!fits) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(segment);
            bytes += segment.size();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private boolean writeCleaned(List<LogSegment> group, Path cleaned, Stats stats, long[] done, long total,
                                 Progress progress) throws IOException, InterruptedException {
        Files.deleteIfExists(cleaned);
        ByteBuffer out = ByteBuffer.allocate(ioBufferBytes);
        try (FileChannel channel = FileChannel.open(cleaned, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (LogSegment segment : group) {
                int position = 0;
                while (position < segment.size()) {
                    if (stopping.getAsBoolean()) {
                        return false;
                    }
                    ByteBuffer chunk = readWholeBatches(segment, position);
                    int read = chunk.limit();
                    long written = 0;
                    while (chunk.hasRemaining()) {
                        out.clear();
                        MemoryRecords.FilterResult result = MemoryRecords.readableRecords(chunk.slice())
                                .filterTo(stats.filter(), out, BufferSupplier.NO_CACHING);
                        ByteBuffer kept = result.outputBuffer();
                        kept.flip();
                        written += kept.remaining();
                        while (kept.hasRemaining()) {
                            channel.write(kept);
                        }
                        stats.recordsRead += result.messagesRead();
                        stats.recordsKept += result.messagesRetained();
                        chunk.position(chunk.position() + result.bytesRead());
                    }
                    position += read;
                    stats.bytesRead += read;
                    stats.bytesWritten += written;
                    done[0] += read;
                    progress.update(done[0], total);
                    throttler.acquire(read + written);
                }
            }
            channel.force(true);
        }
        return true;
    }

    /** The record filter of one clean and what it counted. */
    private final class Stats {
        long bytesRead;
        long bytesWritten;
        long recordsRead;
        long recordsKept;
        private final CleanFilter filter;

        Stats(long now, long deleteRetentionMs) {
            this.filter = new CleanFilter(map, now, deleteRetentionMs);
        }

        MemoryRecords.RecordFilter filter() {
            return filter;
        }

        long earliestHorizon() {
            return filter.earliestHorizon();
        }
    }
}
