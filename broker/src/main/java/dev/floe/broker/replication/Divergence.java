package dev.floe.broker.replication;

import dev.floe.broker.log.LeaderEpochCache;
import dev.floe.broker.log.PartitionLog;

import java.io.IOException;

/** Where a follower's log stops agreeing with its new leader's (KIP-101, with KIP-279's fix for repeated changes). */
final class Divergence {
    private Divergence() {
    }

    /**
     * The offset to truncate a follower's log to, given that it asked the leader where {@code requestedEpoch}
     * (its latest) ended and the leader answered {@code leaderEpoch} ending at {@code leaderEndOffset}.
     * <ul>
     *     <li>The leader knows nothing of that epoch or earlier: keep only what was committed (the high
     *     watermark), as before epochs existed.</li>
     *     <li>The leader has the same epoch: everything up to where it ended there agrees.</li>
     *     <li>The leader answered with an older epoch (ours was never its): both logs agree up to the end of that
     *     older epoch on both sides, the smaller of the two.</li>
     * </ul>
     * Never above this log's end.
     */
    static long truncationOffset(PartitionLog log, int requestedEpoch, int leaderEpoch, long leaderEndOffset)
            throws IOException {
        long target;
        if (leaderEndOffset == LeaderEpochCache.UNDEFINED_OFFSET) {
            target = log.highWatermark();
        } else if (leaderEpoch == requestedEpoch) {
            target = leaderEndOffset;
        } else {
            LeaderEpochCache.EpochEnd local = log.endOffsetForEpoch(leaderEpoch);
            long localEnd = local.endOffset() < 0 ? log.highWatermark() : local.endOffset();
            target = Math.min(leaderEndOffset, localEnd);
        }
        return Math.min(target, log.logEndOffset());
    }
}
