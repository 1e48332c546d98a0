package dev.floe.broker.tier;

import java.nio.file.Path;

/**
 * A local segment that will never change again, described for upload; {@code producerSnapshot} (may be null) holds
 * the producer state as of its end, {@code txnIndex} (may be null) its aborted-transaction index.
 */
public record SealedSegment(long baseOffset, long lastOffset, long maxTimestamp, int leaderEpoch, long sizeBytes,
                            Path log, Path offsetIndex, Path timeIndex, Path producerSnapshot,
                            Path txnIndex) {
}
