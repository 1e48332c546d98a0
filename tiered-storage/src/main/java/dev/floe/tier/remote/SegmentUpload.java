package dev.floe.tier.remote;

import java.nio.file.Path;

/**
 * A sealed local segment to upload: its files (.log with its two indexes, and optionally the producer state as of
 * its end and its aborted-transaction index) and what the manifest records.
 */
public record SegmentUpload(long baseOffset, long lastOffset, long maxTimestamp, int leaderEpoch, Path log,
                            Path offsetIndex, Path timeIndex, Path producerSnapshot, Path txnIndex) {

    public SegmentUpload(long baseOffset, long lastOffset, long maxTimestamp, int leaderEpoch, Path log,
                         Path offsetIndex, Path timeIndex) {
        this(baseOffset, lastOffset, maxTimestamp, leaderEpoch, log, offsetIndex, timeIndex, null, null);
    }

    public SegmentUpload(long baseOffset, long lastOffset, long maxTimestamp, int leaderEpoch, Path log,
                         Path offsetIndex, Path timeIndex, Path producerSnapshot) {
        this(baseOffset, lastOffset, maxTimestamp, leaderEpoch, log, offsetIndex, timeIndex, producerSnapshot, null);
    }
}
