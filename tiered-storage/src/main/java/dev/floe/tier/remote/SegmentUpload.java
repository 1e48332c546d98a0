package dev.floe.tier.remote;

import java.nio.file.Path;

/** A sealed local segment to upload: its files (.log with its two indexes) and what the manifest records. */
public record SegmentUpload(long baseOffset, long lastOffset, long maxTimestamp, int leaderEpoch, Path log,
                            Path offsetIndex, Path timeIndex) {
}
