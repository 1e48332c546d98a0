package dev.floe.broker.network;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A range of a segment file sent with {@link FileChannel#transferTo}, which on a socket channel is sendfile:
 * the bytes go from the page cache to the socket without entering the heap. Unlike Netty's DefaultFileRegion
 * it does not close the channel when released: the segment owns it.
 */
final class SegmentFileRegion extends AbstractReferenceCounted implements FileRegion {
    private final FileChannel channel;
    private final long position;
    private final long count;
    private long transferred;

    SegmentFileRegion(FileChannel channel, long position, long count) {
        this.channel = channel;
        this.position = position;
        this.count = count;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel target, long offset) throws IOException {
        long remaining = count - offset;
        if (remaining <= 0) {
            return 0;
        }
        long n = channel.transferTo(position + offset, remaining, target);
        if (n > 0) {
            transferred += n;
        } else if (n == 0 && position + offset >= channel.size()) {
            throw new IOException("segment file shrank below the range being sent (position " + (position + offset) + ")");
        }
        return n;
    }

    @Override
    protected void deallocate() {
        // The segment owns the channel; nothing to free here.
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }
}
