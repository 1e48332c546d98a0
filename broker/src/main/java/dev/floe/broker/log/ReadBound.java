package dev.floe.broker.log;

/** How far up a partition's log a read may go. */
public enum ReadBound {
    /** A read_uncommitted consumer: what every in-sync replica has. */
    HIGH_WATERMARK,
    /** A read_committed consumer: below the first record of a transaction still open (and the high watermark). */
    LAST_STABLE_OFFSET,
    /** A follower: everything the leader has, which is what it must copy. */
    LOG_END
}
