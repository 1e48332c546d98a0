package dev.floe.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One file of a partition's log plus its two sparse indexes. Appends come from the partition's single writer;
 * reads may come from any thread and only look at bytes below {@link #size()}, which is published after the
 * bytes are written.
 */
public final class LogSegment implements AutoCloseable {
    private final Path dir;
    private final long baseOffset;
    private final int indexIntervalBytes;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final long createdAtMs;
    private volatile FileChannel channel;
    private volatile int size;
    private volatile long maxTimestamp = -1;
    private volatile long offsetOfMaxTimestamp = -1;
    private volatile long lastOffset;
    /** False for a sealed segment opened on trust: its last offset and max timestamp are read on first use. */
    private volatile boolean tailKnown = true;
    private int bytesSinceIndexEntry;
    private volatile boolean sealed;
    private volatile boolean closed;
    private volatile Path logPath;

    private LogSegment(Path dir, long baseOffset, int indexIntervalBytes, int maxIndexBytes, boolean active,
                       long createdAtMs) throws IOException {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.logPath = SegmentNames.logFile(dir, baseOffset);
        if (active) {
            this.channel = FileChannel.open(logPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            this.size = (int) channel.size();
        } else {
            // A sealed segment opens its file on first read, so a broker with many segments does not hold a file
            // descriptor for each one it never reads.
            this.size = (int) Files.size(logPath);
        }
        this.offsetIndex = new OffsetIndex(SegmentNames.indexFile(dir, baseOffset), baseOffset, maxIndexBytes, active);
        this.timeIndex = new TimeIndex(SegmentNames.timeIndexFile(dir, baseOffset), baseOffset, maxIndexBytes, active);
        this.lastOffset = baseOffset - 1;
        this.sealed = !active;
        this.createdAtMs = createdAtMs;
    }

    /** A new, empty active segment. */
    static LogSegment create(Path dir, long baseOffset, int indexIntervalBytes, int maxIndexBytes) throws IOException {
        Files.deleteIfExists(SegmentNames.logFile(dir, baseOffset));
        Files.deleteIfExists(SegmentNames.indexFile(dir, baseOffset));
        Files.deleteIfExists(SegmentNames.timeIndexFile(dir, baseOffset));
        return new LogSegment(dir, baseOffset, indexIntervalBytes, maxIndexBytes, true, System.currentTimeMillis());
    }

    /**
     * Open a sealed segment that lies wholly below the recovery point: its bytes and indexes were flushed, so it
     * is trusted as it is and nothing of it is read or mapped until it is used.
     */
    static LogSegment openTrusted(Path dir, long baseOffset, int indexIntervalBytes, int maxIndexBytes)
            throws IOException {
        long mtime = Files.getLastModifiedTime(SegmentNames.logFile(dir, baseOffset)).toMillis();
        LogSegment segment = new LogSegment(dir, baseOffset, indexIntervalBytes, maxIndexBytes, false, mtime);
        segment.tailKnown = false;
        return segment;
    }

    /**
     * Open an existing segment. Its indexes are trusted only when {@code trustIndexes} and they pass a sanity
     * check; otherwise they are rebuilt from the log. With {@code verify}, every batch is CRC-checked and the file
     * is cut at the first torn or corrupt batch.
     */
    static LogSegment open(Path dir, long baseOffset, int indexIntervalBytes, int maxIndexBytes, boolean active,
                           boolean trustIndexes, boolean verify) throws IOException {
        // Untrusted indexes are rebuilt in place (from entry 0) rather than deleted and recreated: writing into
        // pages the file already has is much cheaper than faulting in fresh blocks, which dominated the recovery
        // of thousands of active segments after a crash.
        long mtime = Files.getLastModifiedTime(SegmentNames.logFile(dir, baseOffset)).toMillis();
        // A segment that may be rebuilt needs writable, preallocated indexes; they are trimmed again when sealed.
        boolean writable = active || !trustIndexes || verify;
        LogSegment segment = new LogSegment(dir, baseOffset, indexIntervalBytes, maxIndexBytes, writable, mtime);
        segment.load(trustIndexes, verify);
        if (!active) {
            segment.seal();
        }
        return segment;
    }

    private void load(boolean trustIndexes, boolean verify) throws IOException {
        boolean indexesUsable = trustIndexes && offsetIndex.isSane(size) && timeIndex.isSane()
                && !(size > 0 && offsetIndex.entries() == 0 && size > indexIntervalBytes);
        if (indexesUsable && !verify) {
            readTailMetadata();
            return;
        }
        rebuild(verify);
    }

    /**
     * Restore lastOffset and maxTimestamp from the last index entries and the batch headers after them (at most
     * about {@code index.interval.bytes} of the file), without mapping the indexes.
     */
    private void readTailMetadata() throws IOException {
        int position = offsetIndex.lastPosition();
        long maxTs = timeIndex.lastTimestamp();
        long maxTsOffset = timeIndex.lastOffset();
        long last = baseOffset - 1;
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        while (position < size) {
            BatchHeader batch = readHeader(position, header);
            if (batch == null) {
                break;
            }
            last = batch.lastOffset();
            if (batch.maxTimestamp() > maxTs) {
                maxTs = batch.maxTimestamp();
                maxTsOffset = batch.lastOffset();
            }
            position += batch.sizeInBytes();
        }
        lastOffset = last;
        offsetOfMaxTimestamp = maxTsOffset;
        maxTimestamp = maxTs;
    }

    private void ensureTail() {
        if (tailKnown) {
            return;
        }
        synchronized (this) {
            if (tailKnown) {
                return;
            }
            try {
                readTailMetadata();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the tail of segment " + logPath, e);
            }
            tailKnown = true;
        }
    }

    private void rebuild(boolean verify) throws IOException {
        offsetIndex.truncateToEntries(0);
        timeIndex.truncateToEntries(0);
        bytesSinceIndexEntry = 0;
        maxTimestamp = -1;
        offsetOfMaxTimestamp = -1;
        lastOffset = baseOffset - 1;
        int position = 0;
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        int validEnd = 0;
        long expectedNext = baseOffset;
        while (position < size) {
            BatchHeader batch = readHeader(position, header);
            if (batch == null || batch.magic() != BatchHeader.MAGIC_V2 || batch.batchLength() < BatchHeader.SIZE - BatchHeader.LOG_OVERHEAD
                    || (long) position + batch.sizeInBytes() > size || batch.baseOffset() < expectedNext) {
                break;
            }
            if (verify && !crcMatches(position, batch)) {
                break;
            }
            index(batch, position);
            position += batch.sizeInBytes();
            validEnd = position;
            expectedNext = batch.lastOffset() + 1;
        }
        if (validEnd < size) {
            channel().truncate(validEnd);
            size = validEnd;
        }
    }

    /** Bytes cut from the end by the last recovery, when non-zero the log had a torn or corrupt tail. */
    int truncatedBytes(long originalSize) {
        return (int) (originalSize - size);
    }

    private boolean crcMatches(int position, BatchHeader batch) throws IOException {
        int crcStart = position + 21;
        int length = batch.sizeInBytes() - 21;
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(body, crcStart);
        body.flip();
        CRC32C crc = new CRC32C();
        crc.update(body);
        return (int) crc.getValue() == batch.crc();
    }

    private BatchHeader readHeader(int position, ByteBuffer header) throws IOException {
        return readHeader(channel(), position, header);
    }

    private BatchHeader readHeader(FileChannel ch, int position, ByteBuffer header) throws IOException {
        if (position + BatchHeader.SIZE > size) {
            return null;
        }
        header.clear();
        readFully(ch, header, position);
        return BatchHeader.read(header, 0);
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        readFully(channel(), dst, position);
    }

    private void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, at);
            if (n < 0) {
                throw new IOException("unexpected end of " + logPath + " at " + at);
            }
            at += n;
        }
    }

    /**
     * Both indexes are sparse, as Kafka's are: an entry every {@code index.interval.bytes}. The time index entry
     * holds the largest timestamp so far and the offset it was seen at, so every record at or below that offset
     * is no newer than the entry.
     */
    private void index(BatchHeader batch, int position) {
        if (batch.maxTimestamp() > maxTimestamp) {
            maxTimestamp = batch.maxTimestamp();
            offsetOfMaxTimestamp = batch.lastOffset();
        }
        if (bytesSinceIndexEntry > indexIntervalBytes || position == 0) {
            if (!offsetIndex.isFull()) {
                offsetIndex.append(batch.baseOffset(), position);
            }
            appendTimeEntry();
            bytesSinceIndexEntry = 0;
        }
        bytesSinceIndexEntry += batch.sizeInBytes();
        lastOffset = batch.lastOffset();
    }

    private void appendTimeEntry() {
        if (maxTimestamp > timeIndex.lastTimestamp() && !timeIndex.isFull()) {
            timeIndex.append(maxTimestamp, offsetOfMaxTimestamp);
        }
    }

    /**
     * Append batches whose offsets are already assigned. The bytes are written before the indexes and the
     * published size move, so a reader never follows an index entry into unwritten bytes.
     */
    void append(ByteBuffer batches) throws IOException {
        int position = size;
        int start = batches.position();
        int end = batches.limit();
        long written = position;
        ByteBuffer toWrite = batches.duplicate();
        FileChannel ch = channel();
        while (toWrite.hasRemaining()) {
            written += ch.write(toWrite, written);
        }
        for (int at = start; at < end; ) {
            BatchHeader batch = BatchHeader.read(batches, at);
            index(batch, position + (at - start));
            at += batch.sizeInBytes();
        }
        size = (int) written;
    }

    /**
     * Visit every batch header in this segment, oldest first. A sealed segment not open yet is read through a
     * channel of its own that is closed afterwards: a start-up scan must not leave a descriptor per segment open.
     */
    void forEachBatch(java.util.function.Consumer<BatchHeader> visitor) throws IOException {
        forEachBatch((batch, position) -> visitor.accept(batch));
    }

    /** As above, with the position of each batch in the file, for visitors that must read inside some batches. */
    void forEachBatch(java.util.function.ObjIntConsumer<BatchHeader> visitor) throws IOException {
        FileChannel open = channel;
        if (open != null) {
            forEachBatch(open, visitor);
            return;
        }
        try (FileChannel scan = FileChannel.open(logPath, StandardOpenOption.READ)) {
            forEachBatch(scan, visitor);
        }
    }

    private void forEachBatch(FileChannel ch, java.util.function.ObjIntConsumer<BatchHeader> visitor) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        int position = 0;
        int end = size;
        while (position < end) {
            BatchHeader batch = readHeader(ch, position, header);
            if (batch == null) {
                break;
            }
            visitor.accept(batch, position);
            position += batch.sizeInBytes();
        }
    }

    boolean canFit(int bytes, long segmentBytes) {
        return size == 0 || (long) size + bytes <= segmentBytes;
    }

    boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    /**
     * Position of the batch that holds {@code offset}: start from the index entry at or below it and walk batch
     * headers. Returns -1 when the offset is beyond this segment.
     */
    int positionOf(long offset) throws IOException {
        int position = offsetIndex.lookup(offset);
        int end = size;
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        while (position < end) {
            BatchHeader batch = readHeader(position, header);
            if (batch == null) {
                return -1;
            }
            if (batch.lastOffset() >= offset) {
                return position;
            }
            position += batch.sizeInBytes();
        }
        return -1;
    }

    /** Size of the batch starting at {@code position}. */
    int batchSizeAt(int position) throws IOException {
        BatchHeader batch = readHeader(position, ByteBuffer.allocate(BatchHeader.SIZE));
        return batch == null ? 0 : batch.sizeInBytes();
    }

    /** Position just past the last batch whose last offset is below {@code offset} (for truncation). */
    private int endPositionBefore(long offset) throws IOException {
        int position = offsetIndex.lookup(offset);
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        while (position < size) {
            BatchHeader batch = readHeader(position, header);
            if (batch == null || batch.lastOffset() >= offset) {
                break;
            }
            position += batch.sizeInBytes();
        }
        return position;
    }

    /** Cut every batch at or above {@code offset}; returns the bytes removed. */
    int truncateTo(long offset) throws IOException {
        int cut = endPositionBefore(offset);
        int removed = size - cut;
        if (removed > 0) {
            channel().truncate(cut);
            size = cut;
            offsetIndex.truncateToPosition(cut);
            timeIndex.truncateToOffset(offset);
            lastOffset = baseOffset - 1;
            maxTimestamp = -1;
            offsetOfMaxTimestamp = -1;
            readTailMetadataFromStart();
        }
        return removed;
    }

    private void readTailMetadataFromStart() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
        int position = 0;
        while (position < size) {
            BatchHeader batch = readHeader(position, header);
            if (batch == null) {
                break;
            }
            lastOffset = batch.lastOffset();
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
            position += batch.sizeInBytes();
        }
    }

    /** Bytes from {@code position} up to {@code maxBytes}, never past {@code endPosition}. */
    LogSlice slice(int position, int maxBytes, int endPosition) throws IOException {
        int length = Math.max(0, Math.min(maxBytes, endPosition - position));
        return new LogSlice(channel(), position, length);
    }

    /** The file, opened on first use for a sealed segment. */
    private FileChannel channel() throws IOException {
        FileChannel ch = channel;
        if (ch != null) {
            return ch;
        }
        synchronized (this) {
            if (channel == null) {
                if (closed) {
                    throw new java.nio.channels.ClosedChannelException();
                }
                channel = FileChannel.open(logPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            return channel;
        }
    }

    /** Read whole batch headers from {@code position}, for scans that must look inside batches. */
    public ByteBuffer read(int position, int length) throws IOException {
        int n = Math.max(0, Math.min(length, size - position));
        ByteBuffer buf = ByteBuffer.allocate(n);
        readFully(buf, position);
        buf.flip();
        return buf;
    }

    /** Offset to start scanning at for the first record with a timestamp >= target. */
    long timeIndexScanStart(long timestamp) {
        return timeIndex.scanStartFor(timestamp);
    }

    /**
     * Seal: the segment will never grow again, so its indexes shrink to their entries, with a last time index
     * entry for the newest timestamp. Nothing is synced here: the roll that seals runs under the partition's lock,
     * and the flush follows on the flusher (see {@link PartitionLog}); until then the segment lies above the
     * recovery point and is verified after a crash.
     */
    void seal() throws IOException {
        if (sealed) {
            return;
        }
        if (maxTimestamp > timeIndex.lastTimestamp() && !timeIndex.isFull()) {
            timeIndex.append(maxTimestamp, offsetOfMaxTimestamp);
        }
        offsetIndex.trim();
        timeIndex.trim();
        sealed = true;
    }

    void flush() throws IOException {
        FileChannel ch = channel;
        if (ch != null && ch.isOpen()) {
            ch.force(true);
        }
        offsetIndex.flush();
        timeIndex.flush();
    }

    /**
     * Rename the files out of the way so a concurrent zero-copy send of this segment can still finish; the
     * caller closes and deletes them after a delay.
     */
    void markDeleted() throws IOException {
        offsetIndex.close();
        timeIndex.close();
        moveAside(SegmentNames.indexFile(dir, baseOffset));
        moveAside(SegmentNames.timeIndexFile(dir, baseOffset));
        logPath = moveAside(logPath);
    }

    private Path moveAside(Path file) throws IOException {
        Path target = file.resolveSibling(file.getFileName() + SegmentNames.DELETED);
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Close and remove the files of a segment previously marked deleted. */
    void deleteFiles() throws IOException {
        close();
        Files.deleteIfExists(logPath);
        Files.deleteIfExists(SegmentNames.indexFile(dir, baseOffset).resolveSibling(
                SegmentNames.baseName(baseOffset) + SegmentNames.INDEX + SegmentNames.DELETED));
        Files.deleteIfExists(SegmentNames.timeIndexFile(dir, baseOffset).resolveSibling(
                SegmentNames.baseName(baseOffset) + SegmentNames.TIME_INDEX + SegmentNames.DELETED));
    }

    public long baseOffset() {
        return baseOffset;
    }

    /** Last offset written to this segment, baseOffset - 1 when empty. */
    public long lastOffset() {
        ensureTail();
        return lastOffset;
    }

    public int size() {
        return size;
    }

    public long maxTimestamp() {
        ensureTail();
        return maxTimestamp;
    }

    /** Time used for time-based roll and retention when the segment holds no timestamps yet. */
    long createdAtMs() {
        return createdAtMs;
    }

    public boolean isSealed() {
        return sealed;
    }

    public Path logPath() {
        return logPath;
    }

    /** Whether either index is mapped now (sealed segments map theirs on first use). */
    boolean indexesMapped() {
        return offsetIndex.isMapped() || timeIndex.isMapped();
    }

    public Path offsetIndexPath() {
        return offsetIndex.file();
    }

    public Path timeIndexPath() {
        return timeIndex.file();
    }

    @Override
    public void close() throws IOException {
        offsetIndex.close();
        timeIndex.close();
        FileChannel ch;
        synchronized (this) {
            closed = true;
            ch = channel;
        }
        if (ch != null && ch.isOpen()) {
            ch.close();
        }
    }

    /** Close for a clean shutdown: trim the active segment's indexes so they load as-is next time. */
    void closeClean() throws IOException {
        // A write that failed half way (a full disk) may have left bytes past the published size: drop them, so
        // the clean restart, which trusts the file, does not see a torn batch.
        FileChannel ch = channel();
        if (ch.size() > size) {
            ch.truncate(size);
        }
        ch.force(true);
        offsetIndex.trim();
        timeIndex.trim();
        close();
    }
}
