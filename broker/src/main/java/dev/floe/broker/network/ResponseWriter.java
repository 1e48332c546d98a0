package dev.floe.broker.network;

import dev.floe.broker.log.LogSlice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Writable} that serializes a response into a run of Netty messages: byte buffers for the protocol
 * fields, {@link SegmentFileRegion}s for records that live in segment files (so fetched bytes are never copied
 * through the heap), and the records' own buffer for records held in memory (read from object storage).
 */
final class ResponseWriter implements Writable {
    private final ByteBufAllocator allocator;
    private final List<Object> parts = new ArrayList<>(4);
    private int remainingPlain;
    private ByteBuf current;

    ResponseWriter(ByteBufAllocator allocator, int plainBytes) {
        this.allocator = allocator;
        this.remainingPlain = plainBytes;
        this.current = allocator.buffer(plainBytes);
    }

    @Override
    public void writeByte(byte val) {
        current.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        current.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        current.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        current.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        current.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        current.writeBytes(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        int value = i;
        while ((value & 0xffffff80) != 0) {
            current.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        current.writeByte(value);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        current.writeBytes(buf.duplicate());
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long i) {
        long value = (i << 1) ^ (i >> 63);
        while ((value & 0xffffffffffffff80L) != 0L) {
            current.writeByte(((int) value & 0x7f) | 0x80);
            value >>>= 7;
        }
        current.writeByte((int) value);
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof LogSlice slice) {
            if (slice.sizeInBytes() == 0) {
                return;
            }
            remainingPlain -= current.readableBytes();
            parts.add(current);
            parts.add(new SegmentFileRegion(slice.channel(), slice.position(), slice.sizeInBytes()));
            current = allocator.buffer(Math.max(remainingPlain, 0));
        } else if (records instanceof MemoryRecords memory) {
            if (memory.sizeInBytes() == 0) {
                return;
            }
            // Its own part, not copied into the field buffer: that buffer was sized without records (Kafka's size
            // accumulator counts them apart), so a megabyte of records made it grow by doubling, copying each time,
            // into a direct buffer too large for the pool. Netty copies a heap part into a pooled direct buffer once,
            // as it writes it.
            remainingPlain -= current.readableBytes();
            parts.add(current);
            parts.add(Unpooled.wrappedBuffer(memory.buffer()));
            current = allocator.buffer(Math.max(remainingPlain, 0));
        } else if (records != null) {
            throw new IllegalArgumentException("cannot write records of type " + records.getClass().getName());
        }
    }

    /** Frees everything written so far, for a response that could not be completed. */
    void release() {
        parts.forEach(io.netty.util.ReferenceCountUtil::release);
        parts.clear();
        current.release();
    }

    /** The messages to write to the channel, in order. */
    List<Object> finish() {
        if (current.readableBytes() > 0) {
            parts.add(current);
        } else {
            current.release();
        }
        return parts;
    }
}
