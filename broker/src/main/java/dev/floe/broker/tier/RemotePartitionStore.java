package dev.floe.broker.tier;

import dev.floe.broker.log.TimestampOffset;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What the broker needs from object storage for one partition. The tiered-storage library implements the
 * storage; this port keeps the broker's orchestration independent of its classes.
 */
public interface RemotePartitionStore {

    /** Upload a sealed segment; idempotent, committed when its manifest is written last. */
    void upload(SealedSegment segment) throws IOException;

    /** Committed segments, oldest first. */
    List<RemoteSegmentRef> segments() throws IOException;

    /** Whole batches starting with the one that holds {@code offset}; at least one batch, about maxBytes. */
    ByteBuffer read(long offset, int maxBytes) throws IOException;

    /** First record at or after the timestamp, or null. */
    TimestampOffset offsetForTimestamp(long timestamp) throws IOException;

    void delete(RemoteSegmentRef segment) throws IOException;

    /** The producer state uploaded with {@code segment} (as of its end), or null when there is none. */
    byte[] producerSnapshot(RemoteSegmentRef segment) throws IOException;
}
