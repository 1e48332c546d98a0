package dev.floe.broker.group;

/** A group's committed position in one partition. */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
}
