package dev.floe.broker.log;

import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.RecordsSend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A byte range of a segment file, handed to the network layer as-is so fetch responses go out with
 * sendfile instead of through the heap. It plugs into kafka-clients' generated Fetch response as its records.
 */
public final class LogSlice implements BaseRecords {
    public static final LogSlice EMPTY = new LogSlice(null, 0, 0);
    private final FileChannel channel;
    private final long position;
    private final int length;

    LogSlice(FileChannel channel, long position, int length) {
        this.channel = channel;
        this.position = position;
        this.length = length;
    }

    public FileChannel channel() {
        return channel;
    }

    public long position() {
        return position;
    }

    @Override
    public int sizeInBytes() {
        return length;
    }

    /** Copy the bytes into the heap, for consumers that need to look at records (HTTP API, tiering tests). */
    public ByteBuffer readAll() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        long at = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
        buf.flip();
        return buf;
    }

    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("LogSlice is written by Floe's response writer, not kafka-clients' Send");
    }
}
