package dev.floe.tier.txn;

/**
 * An aborted transaction in one partition: its producer, its first offset and the offset of its ABORT marker.
 * A read_committed consumer drops that producer's records from {@code firstOffset} until it meets the marker.
 * {@code lastStableOffset} is the partition's LSO when the marker was written, kept as Kafka's index keeps it.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
